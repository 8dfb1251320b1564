// drawer.js: one case: its story (site, 동, times, route and why, waves and offers,
// winners, fee), its journal (GET /v1/requests/{id}/events, the hash-chained record of
// everything that happened to it, with who did it), and what an operator may do to it:
// cancel (POST /v1/requests/{id}/cancel, with the fee it costs the member).
import {get, post, ApiError} from './api.js';
import {$, h, clear, when, span, won, toast, ask, errorText, CASE_STATE, OFFER_STATE,
  ROUTE, TYPE, CHANNEL, FEE_RULE, ESCALATED_WHY, phone, dongName} from './util.js';
import {siteName} from './state.js';
import * as board from './board.js';

let current = null;
const FINAL = ['cancelled', 'expired', 'closed'];

function row(label, ...value) {
  return h('tr', {}, h('th', {}, label), h('td', {}, ...value));
}

function story(c) {
  const route = c.route || null;
  return h('table', {class: 'kv'},
    row('상태', h('strong', {class: `state s-${c.state}`}, CASE_STATE[c.state] || c.state),
      c.wave ? ` · ${c.wave}차 제안` : ''),
    c.site ? row('장소', `${siteName(c.site)} ${dongName(c.dong)}`) : null,
    c.start ? row('일시', span(c)) : null,
    c.type ? row('유형', `${TYPE[c.type] || c.type} · ${c.carers_needed || 1}명 · ${CHANNEL[c.channel] || c.channel || ''}`) : null,
    c.member ? row('회원', `${c.member.id} · ${phone(c.member.phone)}${c.member.verified ? ' · 본인 확인' : ''}`) : null,
    c.child ? row('아이', `${c.child.first_name} (${c.child.age_months}개월)`) : null,
    c.address ? row('주소', c.address) : null,
    route ? row('경로', `${ROUTE[route.decision] || route.decision} (${route.why})`) : null,
    c.escalated_why ? row('미배정 사유', ESCALATED_WHY[c.escalated_why] || c.escalated_why) : null,
    (c.winners || []).length ? row('돌보미', (c.winners || []).map((w) =>
      `${w.name || ''} #${w.carer_id}${w.phone ? ` ${phone(w.phone)}` : ''}`).join(', ')) : null,
    c.fee ? row('요금', won(c.fee.member_total),
      c.fee.cancellation ? ` · 취소 수수료 ${won(c.fee.cancellation.won)} (${FEE_RULE[c.fee.cancellation.rule] || c.fee.cancellation.what})` : '') : null,
    c.updated_at ? row('갱신', when(c.updated_at)) : null);
}

function waves(c) {
  if (!Array.isArray(c.waves) || !c.waves.length) return null;
  return [h('h3', {}, '제안'), h('table', {class: 'grid'},
    h('thead', {}, h('tr', {}, h('th', {}, '차수'), h('th', {}, '돌보미'), h('th', {}, '전화'), h('th', {}, '상태'))),
    h('tbody', {}, c.waves.flatMap((w) => w.offers.map((o) => h('tr', {class: `o-${o.state}`},
      h('td', {}, `${w.wave}차`), h('td', {}, `${o.name || ''} #${o.carer_id}`),
      h('td', {}, phone(o.phone)), h('td', {}, OFFER_STATE[o.state] || o.state))))))];
}

async function journal(id) {
  const box = h('div', {class: 'journal', id: 'cd-journal'}, h('p', {class: 'muted'}, '기록을 읽는 중…'));
  (async () => {
    try {
      const j = await get(`/v1/requests/${encodeURIComponent(id)}/events`);
      const entries = j.entries || [];
      clear(box,
        h('p', {class: j.verified ? 'ok' : 'bad'}, j.verified
          ? `기록 ${entries.length}건 · 해시 체인 확인됨`
          : `기록이 훼손되었습니다 (${j.broken || '?'}): 관리자에게 알리십시오`),
        h('table', {class: 'grid'},
          h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, '시각'), h('th', {}, '누가'), h('th', {}, '무엇'), h('th', {}, '내용'))),
          h('tbody', {}, entries.map((e) => h('tr', {class: e.ok === false ? 'bad' : ''},
            h('td', {}, String(e.n)), h('td', {}, when(e.at)), h('td', {}, e.who),
            h('td', {}, e.what), h('td', {}, e.detail))))));
    } catch (e) {
      // a server without the journal route answers 404/405 for a case it knows
      clear(box, h('p', {class: 'muted', id: 'cd-journal-missing'},
        e instanceof ApiError && (e.missingRoute || e.status === 404)
          ? '이 서버는 사례 기록 조회(GET /v1/requests/{id}/events)를 제공하지 않습니다. 서버에서 eonjena log로 확인하십시오.'
          : errorText(e)));
    }
  })();
  return box;
}

async function cancel(c) {
  const reason = await ask({title: '요청 취소', yes: '취소 확정',
    text: `${c.id}${c.start ? ` (${span(c)})` : ''}를 취소합니다. 돌보미가 배정된 뒤에는 취소 수수료가 생길 수 있습니다.`,
    label: '사유', required: true});
  if (reason === null) return;
  try {
    const r = await post(`/v1/requests/${encodeURIComponent(c.id)}/cancel`, {reason});
    const fee = r.fee && r.fee.cancellation ? r.fee.cancellation.won : r.fee && r.fee.won;
    toast(`취소되었습니다${fee !== undefined ? ` · 수수료 ${won(fee)}` : ''}`);
    await open(c.id);
    board.refresh();
  } catch (e) {
    toast(e instanceof ApiError && e.missingRoute
      ? '이 서버는 취소(POST /v1/requests/{id}/cancel)를 제공하지 않습니다'
      : `취소되지 않았습니다: ${errorText(e)}`, true);
  }
}

export async function open(id) {
  current = id;
  const d = $('#drawer');
  d.hidden = false;
  $('#cd-title').textContent = id;
  clear($('#cd-body'), h('p', {class: 'muted'}, '읽는 중…'));
  let c;
  try {
    c = await get(`/v1/requests/${encodeURIComponent(id)}`);
  } catch (e) {
    clear($('#cd-body'), h('p', {class: 'error'}, errorText(e)));
    return;
  }
  if (current !== id) return;
  const actions = h('div', {class: 'actions'},
    FINAL.includes(c.state) ? null
      : h('button', {type: 'button', class: 'danger', id: 'cd-cancel', onclick: () => cancel(c)}, '요청 취소'));
  clear($('#cd-body'), story(c), actions, waves(c), h('h3', {}, '사례 기록'), await journal(id));
  d.focus();
}

export function close() {
  current = null;
  $('#drawer').hidden = true;
}

export function init() {
  $('#cd-close').addEventListener('click', close);
  $('#cd-reload').addEventListener('click', () => current && open(current));
}
