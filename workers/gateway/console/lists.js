// lists.js: the three lists of the console: the hand-off queue of each pull provider
// (acknowledged here when the provider took the case by phone), the carers of a site
// with consent and this week's minutes, and the holiday calendar (edited by admins).
import {get, post, del, ApiError, items} from './api.js';
import {$, h, clear, when, span, minutes, weekday, serverNow, seoulParts, toast, ask,
  errorText, phone, HANDOFF_KIND, HOLIDAY_KIND, dongName} from './util.js';
import {state, dongsOf, dongCode, label} from './state.js';
import * as drawer from './drawer.js';

const missing = (e, what) => (e instanceof ApiError && e.missingRoute
  ? `이 서버는 ${what}을(를) 제공하지 않습니다` : errorText(e));

// --- 인계 대기열 ----------------------------------------------------------------------

async function loadHandoffs() {
  const provider = $('#ho-provider').value, body = $('#ho-table tbody');
  if (!provider) {
    $('#ho-note').textContent = '이 지역에는 대기열을 쓰는 제공기관이 없습니다';
    clear(body);
    return;
  }
  try {
    const j = await get(`/v1/providers/${encodeURIComponent(provider)}/handoffs`);
    const list = items(j);
    $('#ho-note').textContent = `${list.length}건 대기`;
    clear(body, list.map((it) => {
      const r = it.request || {};
      return h('tr', {},
        h('td', {}, HANDOFF_KIND[it.kind] || it.kind),
        h('td', {}, h('a', {href: '#', onclick: (e) => { e.preventDefault(); drawer.open(it.request_id); }}, it.request_id)),
        h('td', {}, r.start ? span(r) : ''),
        h('td', {}, String(r.dong || '')),
        h('td', {}, (it.carer_ids || []).map((c) => `#${c}`).join(', ')),
        h('td', {}, when(it.queued_at || it.created_at)),
        h('td', {}, h('button', {type: 'button', class: 'small', onclick: () => ack(provider, it)}, '처리 완료')));
    }));
  } catch (e) {
    $('#ho-note').textContent = missing(e, '인계 대기열');
  }
}

async function ack(provider, it) {
  const ok = await ask({title: '인계 처리', text: `${it.request_id}: 제공기관이 이 건을 받았음을 기록합니다.`, yes: '처리 완료'});
  if (ok === null) return;
  try {
    await post(`/v1/providers/${encodeURIComponent(provider)}/handoffs/${encodeURIComponent(it.id)}/ack`);
    toast('처리 완료로 기록했습니다');
  } catch (e) {
    toast(errorText(e), true);
  }
  loadHandoffs();
}

// --- 돌보미 -----------------------------------------------------------------------------

let carersCursor = null;
const CARER_KIND = {visit: '방문형', facility: '시설형', invited: '초청형'};

async function loadCarers(more = false) {
  const site = $('#ca-site').value, body = $('#ca-table tbody');
  const dongText = $('#ca-dong').value.trim();
  const dong = dongText ? await dongCode(site, dongText) : null;
  if (dongText && !dong) {
    $('#ca-note').textContent = '동을 목록에서 고르십시오';
    return;
  }
  if (!more) { carersCursor = null; clear(body); }
  try {
    const j = await get('/v1/carers', {site, dong, cursor: carersCursor});
    const list = items(j);
    carersCursor = j && j.next;
    $('#ca-more').hidden = !carersCursor;
    body.append(...list.map((c) => h('tr', {class: c.active ? '' : 'inactive'},
      h('td', {}, String(c.id)), h('td', {}, c.name), h('td', {}, phone(c.phone)),
      h('td', {}, dongName(c.home_dong)), h('td', {}, CARER_KIND[c.kind] || c.kind),
      h('td', {}, c.pool ? '동의' : '미동의'), h('td', {}, c.active ? '활동' : '중지'),
      h('td', {}, c.night_ok ? '가능' : '-'),
      h('td', {class: 'num'}, minutes(c.week_minutes)), h('td', {class: 'num'}, minutes(c.month_minutes)))));
    $('#ca-note').textContent = `${body.children.length}명${carersCursor ? ' (더 있음)' : ''}`;
  } catch (e) {
    $('#ca-note').textContent = missing(e, '돌보미 목록 조회');
  }
}

// --- 공휴일 -----------------------------------------------------------------------------

async function loadHolidays() {
  const y = $('#hd-year').value;
  const admin = state.me && state.me.role === 'admin';
  $('#hd-form').hidden = !admin;
  $('#hd-note').textContent = admin ? '' : '공휴일 편집은 관리자만 할 수 있습니다';
  try {
    const j = await get('/v1/holidays', {from: `${y}-01-01`, to: `${y}-12-31`});
    clear($('#hd-table tbody'), (j.holidays || []).map((d) => h('tr', {},
      h('td', {}, d.date), h('td', {}, weekday(d.date)), h('td', {}, d.name),
      h('td', {}, HOLIDAY_KIND[d.kind] || d.kind), h('td', {}, d.facility_closed ? '휴원' : ''),
      h('td', {}, admin ? h('button', {type: 'button', class: 'small', onclick: () => removeHoliday(d)}, '삭제') : null))));
  } catch (e) {
    $('#hd-note').textContent = errorText(e);
  }
}

async function addHoliday(ev) {
  ev.preventDefault();
  try {
    await post('/v1/holidays', {date: $('#hd-date').value, name: $('#hd-name').value.trim(),
      kind: $('#hd-kind').value, facility_closed: $('#hd-closed').checked});
    toast('추가했습니다');
    $('#hd-form').reset();
  } catch (e) {
    toast(errorText(e), true);
  }
  loadHolidays();
}

async function removeHoliday(d) {
  if (await ask({title: '공휴일 삭제', text: `${d.date} ${d.name}을(를) 삭제합니다.`, yes: '삭제'}) === null) return;
  try { await del(`/v1/holidays/${d.date}`); toast('삭제했습니다'); } catch (e) { toast(errorText(e), true); }
  loadHolidays();
}

export const handoffs = {show: loadHandoffs};
async function fillCarerDongs() {
  const list = await dongsOf($('#ca-site').value);
  clear($('#ca-dong-list'), list.map((d) => h('option', {value: label(d)})));
}

export const carers = {show: () => fillCarerDongs().then(() => loadCarers())};
export const holidays = {show: loadHolidays};

export function init() {
  $('#ho-provider').addEventListener('change', loadHandoffs);
  $('#ho-refresh').addEventListener('click', loadHandoffs);
  $('#ca-search').addEventListener('click', () => loadCarers());
  $('#ca-more').addEventListener('click', () => loadCarers(true));
  $('#ca-dong').addEventListener('keydown', (e) => { if (e.key === 'Enter') loadCarers(); });
  $('#ca-site').addEventListener('change', () => fillCarerDongs().then(() => loadCarers()));
  $('#hd-form').addEventListener('submit', addHoliday);
  $('#hd-year').addEventListener('change', loadHolidays);
  const y = Number(seoulParts(serverNow()).y);
  clear($('#hd-year'), [y - 1, y, y + 1].map((v) => h('option', {value: String(v), selected: v === y}, `${v}년`)));
}
