// drawer.js: one case: its story (site, 동, times, route and why, waves and offers,
// winners, fee), its journal (GET /v1/requests/{id}/events, the hash-chained record of
// everything that happened to it, with who did it), and what an operator may do to it:
// assign a carer by hand, re-offer now, move its time, close it with a reason (POST
// /v1/requests/{id}/assign|reoffer|reschedule|close, docs/api.md "Operators' actions")
// and cancel it (POST /v1/requests/{id}/cancel, with the fee it costs the member). A
// refusal stays on the case in Korean (the error's message_ko) until the next action.
import {get, post, newKey, items, ApiError} from './api.js';
import {$, h, clear, when, span, won, toast, ask, errorText, CASE_STATE, OFFER_STATE,
  ROUTE, TYPE, CHANNEL, FEE_RULE, ESCALATED_WHY, phone, dongName, minutes, seoulParts,
  seoulDate, nextDay} from './util.js';
import {siteName} from './state.js';
import * as board from './board.js';

let current = null;
let shown = null; // the case as last read, for the keys
const FINAL = ['cancelled', 'expired', 'closed', 'refused'];
// Cases still looking for carers: an operator may book one by hand or send a wave now
// (a settled case's seats are all filled: the server would refuse both).
const SEEKING = ['received', 'validated', 'offering', 'escalated', 'queued'];

// The operator's actions: the route's last segment, the button, its key, when it is
// offered, and what the toast says when it is done.
const ACTIONS = {
  assign: {label: '돌보미 배정', key: 'a', done: '돌보미를 배정했습니다',
    when: (c) => SEEKING.includes(c.state) && c.type !== 'facility'},
  reoffer: {label: '지금 재제안', key: 'o', done: '다음 제안을 보냈습니다',
    when: (c) => ['offering', 'escalated', 'queued'].includes(c.state)},
  reschedule: {label: '일정 변경', key: 't', done: '일정을 바꿨습니다',
    when: (c) => !FINAL.includes(c.state) && c.type !== 'facility'},
  close: {label: '사례 종료', key: 'x', done: '사례를 종료했습니다',
    when: (c) => !FINAL.includes(c.state)},
};

function actions(c) {
  return h('div', {class: 'actions', id: 'cd-actions'},
    Object.entries(ACTIONS).filter(([, a]) => a.when(c)).map(([kind, a]) =>
      h('button', {type: 'button', id: `cd-act-${kind}`, class: kind === 'close' ? 'danger' : '',
        title: `${a.label} (${a.key.toUpperCase()})`, onclick: () => start(kind, c)},
      a.label, ' ', h('kbd', {}, a.key.toUpperCase()))),
    FINAL.includes(c.state) ? null
      : h('button', {type: 'button', class: 'danger', id: 'cd-cancel', onclick: () => cancel(c)}, '요청 취소'));
}

function refusal(text) {
  const p = $('#cd-refusal');
  if (!p) return;
  p.hidden = !text;
  p.textContent = text || '';
}

function start(kind, c) {
  refusal('');
  if (kind === 'assign') assignPanel(c);
  else if (kind === 'reoffer') reoffer(c);
  else if (kind === 'reschedule') reschedulePanel(c);
  else closeCase(c);
}

// One action: POST it with its own Idempotency-Key (a resend of the same click is the
// same action), then read the case again, whose journal names the operator. A refusal
// changes nothing; its Korean text stays on the case.
async function act(c, kind, body) {
  const a = ACTIONS[kind];
  const buttons = Array.from(document.querySelectorAll('#cd-body button'));
  for (const b of buttons) b.disabled = true;
  try {
    await post(`/v1/requests/${encodeURIComponent(c.id)}/${kind}`, body, {'Idempotency-Key': newKey()});
  } catch (e) {
    for (const b of buttons) b.disabled = false;
    const text = e instanceof ApiError && e.missingRoute
      ? `이 서버는 ${a.label}(POST /v1/requests/{id}/${kind})을(를) 제공하지 않습니다`
      : errorText(e);
    refusal(`${a.label} 거절: ${text}`);
    toast(`${a.label} 거절: ${text}`, true);
    return false;
  }
  toast(a.done);
  await open(c.id);
  board.refresh();
  return true;
}

async function reoffer(c) {
  const ok = await ask({title: '지금 재제안', yes: '재제안',
    text: `${c.id}의 다음 차수 제안을 지금 보냅니다. 긴급·기관 대기 사례는 새로 찾습니다.`});
  if (ok !== null) await act(c, 'reoffer', {});
}

// A reason of 1-200 bytes (the server's limit: a Hangul syllable is 3 bytes in UTF-8).
async function closeCase(c) {
  const reason = await ask({title: '사례 종료', yes: '종료 확정', label: '사유', required: true,
    text: `${c.id}를 종료합니다. 회원에게 수수료는 없고, 배정된 돌보미와 열린 제안은 해제되며 각자에게 알림이 갑니다.`});
  if (reason === null) return;
  if (new TextEncoder().encode(reason).length > 200) {
    refusal('사례 종료 거절: 사유는 200바이트(한글 약 66자) 이내로 쓰십시오');
    return;
  }
  await act(c, 'close', {reason});
}

// --- 일정 변경: a date and two times, as the intake form asks them --------------------

function hhmm(iso) {
  const p = seoulParts(new Date(iso));
  return `${p.hh}:${p.mm}`;
}

function reschedulePanel(c) {
  const start = c.start ? new Date(c.start) : null;
  const date = h('input', {type: 'date', id: 'cd-rs-date', required: true,
    value: start ? seoulDate(start) : ''});
  const from = h('input', {type: 'time', id: 'cd-rs-start', step: 1800, required: true,
    value: c.start ? hhmm(c.start) : ''});
  const to = h('input', {type: 'time', id: 'cd-rs-end', step: 1800, required: true,
    value: c.end ? hhmm(c.end) : ''});
  const note = h('span', {class: 'muted', id: 'cd-rs-note'});
  const nextday = () => {
    note.textContent = from.value && to.value && to.value <= from.value ? '종료는 다음 날' : '';
  };
  from.addEventListener('input', nextday);
  to.addEventListener('input', nextday);
  nextday();
  const form = h('form', {class: 'panel', id: 'cd-reschedule-form', novalidate: true},
    h('h3', {}, '일정 변경'),
    h('p', {class: 'muted'}, `지금: ${c.start ? span(c) : '-'}. 접수와 같은 기준(2시간 전, 30분 단위, 이용 시간)으로 확인합니다.`),
    h('div', {class: 'row'},
      h('label', {}, '날짜 ', date), h('label', {}, '시작 ', from), h('label', {}, '종료 ', to), note),
    h('div', {class: 'row'},
      h('button', {type: 'submit', class: 'primary'}, '변경 ', h('kbd', {}, 'Enter')),
      h('button', {type: 'button', onclick: () => clear($('#cd-panel'))}, '닫기')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!date.value || !from.value || !to.value) {
      refusal('일정 변경: 날짜와 시작·종료 시각을 모두 넣으십시오');
      return;
    }
    const endDate = to.value <= from.value ? nextDay(date.value) : date.value;
    await act(c, 'reschedule', {start: `${date.value}T${from.value}+09:00`,
      end: `${endDate}T${to.value}+09:00`});
  });
  panel(form, date);
}

// The panel under the buttons; Esc in it closes the panel, not the case.
function panel(el, focus) {
  el.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    clear($('#cd-panel'));
    $('#drawer').focus();
  });
  clear($('#cd-panel'), el);
  focus.focus();
}

// --- 돌보미 배정: the carers of the case's site who take its 동 ---------------------------

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const toMin = (t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

// Whether the carer's weekly availability covers the whole service, half hour by half
// hour in Seoul time (the server checks it again, with their bookings and caps).
function fits(carer, c) {
  if (!c.start || !c.end || !Array.isArray(carer.availability)) return null;
  for (let t = Date.parse(c.start); t < Date.parse(c.end); t += 30 * 60000) {
    const p = seoulParts(new Date(t));
    const day = DAYS[new Date(Date.UTC(+p.y, +p.m - 1, +p.d)).getUTCDay()];
    const m = Number(p.hh) * 60 + Number(p.mm);
    if (!carer.availability.some((w) => w.day === day && toMin(w.from) <= m && m + 30 <= toMin(w.to)))
      return false;
  }
  return true;
}

function valid(carer, c) {
  const day = c.start ? seoulDate(new Date(c.start)) : '';
  return (!carer.check_until || carer.check_until >= day) && (!carer.training_until || carer.training_until >= day);
}

async function assign(c, carer) {
  const who = carer.name ? `${carer.name} #${carer.id}` : `#${carer.id}`;
  const ok = await ask({title: '돌보미 배정', yes: '배정',
    text: `${who}를 ${c.start ? span(c) : c.id}에 배정합니다. 돌보미에게 배정 문자가, 회원에게 안내가 갑니다.`});
  if (ok !== null) await act(c, 'assign', {carer_id: carer.id});
}

function assignPanel(c) {
  const dong = c.dong && typeof c.dong === 'object' ? c.dong.code : c.dong;
  const only = h('input', {type: 'checkbox', id: 'cd-as-fit', checked: true});
  const byId = h('input', {type: 'number', id: 'cd-as-id', min: 1, size: 8, placeholder: '번호'});
  const note = h('span', {class: 'muted', id: 'cd-as-note'}, '돌보미를 읽는 중…');
  const body = h('tbody', {});
  const more = h('button', {type: 'button', hidden: true, id: 'cd-as-more'}, '더 보기');
  const list = [];
  let cursor = null;
  const draw = () => {
    const rows = list.filter((x) => !only.checked || (x.pool && x.active && x.fit !== false && x.valid));
    clear(body, rows.map((x) => h('tr', {class: x.fit === false || !x.pool || !x.active ? 'inactive' : '', dataset: {carer: String(x.id)}},
      h('td', {}, String(x.id)), h('td', {}, x.name || ''), h('td', {}, phone(x.phone)),
      h('td', {}, x.pool ? '동의' : '미동의'), h('td', {}, x.night_ok ? '가능' : '-'),
      h('td', {class: 'num'}, minutes(x.week_minutes)),
      h('td', {}, x.fit === null ? '?' : x.fit ? '가능' : '시간 외'),
      h('td', {}, h('button', {type: 'button', class: 'small', onclick: () => assign(c, x)}, '배정')))));
    note.textContent = `${dongName(c.dong)} 돌보미 ${rows.length}명${only.checked ? ` (전체 ${list.length}명 중)` : ''}${cursor ? ', 더 있음' : ''}`;
  };
  const load = async () => {
    try {
      const j = await get('/v1/carers', {site: c.site, dong, cursor});
      for (const x of items(j)) list.push({...x, fit: fits(x, c), valid: valid(x, c)});
      cursor = j && j.next;
      more.hidden = !cursor;
      draw();
    } catch (e) {
      note.textContent = e instanceof ApiError && e.missingRoute
        ? '이 서버는 돌보미 목록(GET /v1/carers)을 제공하지 않습니다: 번호로 배정하십시오' : errorText(e);
    }
  };
  only.addEventListener('change', draw);
  more.addEventListener('click', load);
  const form = h('form', {class: 'panel', id: 'cd-assign-form', novalidate: true},
    h('h3', {}, '돌보미 배정'),
    h('div', {class: 'row'},
      h('label', {class: 'check'}, only, ' 동의·활동·시간 맞는 돌보미만'),
      h('label', {}, '번호로 ', byId),
      h('button', {type: 'submit', class: 'small'}, '배정'), note),
    h('div', {class: 'carer-list'}, h('table', {class: 'grid', id: 'cd-as-table'},
      h('thead', {}, h('tr', {}, ['번호', '이름', '전화', '풀 동의', '야간', '이번 주', '시간', ''].map((t) => h('th', {}, t)))),
      body)),
    h('div', {class: 'row'}, more,
      h('button', {type: 'button', onclick: () => clear($('#cd-panel'))}, '닫기')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = Number(byId.value);
    if (!Number.isInteger(id) || id <= 0) {
      refusal('돌보미 배정: 돌보미 번호를 넣으십시오');
      return;
    }
    assign(c, list.find((x) => x.id === id) || {id});
  });
  panel(form, only);
  load();
}

function row(label, ...value) {
  return h('tr', {}, h('th', {}, label), h('td', {}, ...value));
}

// The reason in a closing's journal detail ("... reason=<text> released=1 fee=0").
function closedReason(detail) {
  const m = /reason=(.*?)(?: released=\d+)?(?: fee=\d+)?$/.exec(detail || '');
  return m ? m[1] : detail || '';
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
    c.closed ? row('종료', `${c.closed.by} · ${closedReason(c.closed.detail)}`) : null,
    (c.winners || []).length ? row('돌보미', (c.winners || []).map((w) =>
      `${w.name || ''} #${w.carer_id}${w.phone ? ` ${phone(w.phone)}` : ''}`).join(', ')) : null,
    // closing charges nothing (docs/api.md): the quote the case had is not a fee due
    c.state === 'closed' ? row('요금', '없음 (종료된 요청)')
    : c.fee ? row('요금', won(c.fee.member_total),
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
  shown = c;
  clear($('#cd-body'), story(c), actions(c), h('div', {id: 'cd-panel'}),
    h('p', {class: 'refusal', id: 'cd-refusal', role: 'alert', hidden: true}),
    waves(c), h('h3', {}, '사례 기록'), await journal(id));
  d.focus();
}

export function close() {
  current = null;
  shown = null;
  $('#drawer').hidden = true;
}

// A, O, T, X (and the buttons' own Tab order) while the case has the focus and no
// field or dialog is in use.
function keys(e) {
  const d = $('#drawer');
  if (d.hidden || !shown || e.altKey || e.ctrlKey || e.metaKey || $('#ask').open) return;
  if (!d.contains(document.activeElement) || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
  const kind = Object.keys(ACTIONS).find((k) => ACTIONS[k].key === e.key.toLowerCase());
  const button = kind && $(`#cd-act-${kind}`);
  if (!button || button.disabled) return;
  e.preventDefault();
  button.click();
}

export function init() {
  $('#cd-close').addEventListener('click', close);
  $('#cd-reload').addEventListener('click', () => current && open(current));
  document.addEventListener('keydown', keys);
}
