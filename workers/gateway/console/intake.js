// intake.js: a phone request. The operator fills the form, asks for the quote (GET
// /v1/quote: the fee, or the reason it cannot be taken, in Korean), and only then
// confirms (POST /v1/requests). The form's key makes a retried confirmation the same
// case; a new intake gets a new key.
import {get, post, newKey, ApiError} from './api.js';
import {$, h, clear, serverNow, seoulDate, seoulParts, nextDay, won, minutes, span,
  errorText, toast, phone, ROUTE, feeLine} from './util.js';
import {state, dongsOf, dongCode, label} from './state.js';
import * as board from './board.js';
import * as drawer from './drawer.js';

let key = newKey();
let quoted = null; // the body that was quoted; confirming sends exactly this

// Members known to this console (member id -> phone, children), kept for the shift in
// this browser only: main has no member registry route to look them up in.
const MEMBERS = 'eo_members';
function members() {
  try { return JSON.parse(sessionStorage.getItem(MEMBERS)) || {}; } catch (e) { return {}; }
}

async function fillDongs() {
  const site = $('#in-site').value;
  if (!site) return;
  const list = await dongsOf(site);
  clear($('#in-dong-list'), list.map((d) => h('option', {value: label(d)})));
}

// Start and end as the API takes them: the end on the next day when it is not after
// the start (a night from 22:00 to 02:00).
function times() {
  const date = $('#in-date').value, s = $('#in-start').value, e = $('#in-end').value;
  if (!date || !s || !e) return null;
  const endDate = e <= s ? nextDay(date) : date;
  $('#in-nextday').textContent = e <= s ? '(종료: 다음 날)' : '';
  return {start: `${date}T${s}`, end: `${endDate}T${e}`};
}

// The form as a request body, or null with the missing fields marked.
async function body() {
  const missing = [];
  const need = (id) => {
    const el = $(id), bad = !el.value.trim();
    el.classList.toggle('bad-field', bad);
    if (bad) missing.push(el.closest('label').firstChild.textContent.trim());
    return el.value.trim();
  };
  const member = need('#in-member'), tel = need('#in-phone'), child = need('#in-child');
  const age = need('#in-age'), address = need('#in-address'), dongText = need('#in-dong');
  const t = times();
  if (!t) missing.push('일시');
  const site = $('#in-site').value;
  const dong = dongText ? await dongCode(site, dongText) : null;
  if (dongText && !dong) {
    $('#in-dong').classList.add('bad-field');
    missing.push('동 (목록에서 고르십시오)');
  }
  if (missing.length) {
    showResult('bad', `입력이 필요합니다: ${missing.join(', ')}`);
    return null;
  }
  return {id: key, site, dong, ...t, channel: 'call_centre', type: $('#in-type').value,
    carers_needed: Number($('#in-needed').value),
    member: {id: member, phone: tel, verified: $('#in-verified').checked},
    child: {first_name: child, age_months: Number(age)}, address};
}

function showResult(kind, ...children) {
  const el = $('#in-result');
  el.className = `result ${kind}`;
  clear(el, ...children);
}

async function quote(ev) {
  ev.preventDefault();
  quoted = null;
  $('#in-confirm').disabled = true;
  const b = await body();
  if (!b) return;
  const p = seoulParts(serverNow());
  const requested = `${p.y}-${p.m}-${p.d}T${p.hh}:${p.mm}`;
  let q;
  try {
    q = await get('/v1/quote', {site: b.site, start: b.start, end: b.end, type: b.type,
      channel: 'call_centre', requested});
  } catch (e) {
    // 422: the quote's own refusal, with its reason in Korean
    const refusal = e instanceof ApiError && e.body && e.body.error && e.body.error.ko;
    showResult('bad', h('strong', {}, '접수할 수 없습니다: '),
      refusal ? e.body.error.ko : errorText(e));
    return;
  }
  const route = q.route || {};
  showResult('ok',
    h('div', {class: 'quote'},
      h('strong', {}, `회원 부담 ${won(q.member.total)}`),
      ` · ${minutes(q.minutes)} · ${span({start: b.start, end: b.end})}`,
      q.surcharge ? h('span', {class: 'tag warn'}, '할증') : null),
    h('ul', {class: 'lines'}, q.member.lines.map((l) => h('li', {}, feeLine(l)))),
    h('p', {}, h('strong', {}, ROUTE[route.route] || route.route || ''), route.ko ? ` — ${route.ko}` : ''),
    h('p', {class: 'muted'}, '내용을 회원에게 안내한 뒤 접수를 확정하십시오 (Ctrl+Enter).'));
  quoted = b;
  $('#in-confirm').disabled = false;
  $('#in-confirm').focus();
}

async function confirm() {
  if (!quoted) return;
  $('#in-confirm').disabled = true;
  try {
    const r = await post('/v1/requests', quoted);
    const m = members();
    m[quoted.member.id] = {phone: quoted.member.phone, verified: quoted.member.verified,
      children: [{first_name: quoted.child.first_name, age_months: quoted.child.age_months}]};
    sessionStorage.setItem(MEMBERS, JSON.stringify(m));
    board.remember(r, quoted, $('#in-dong').value);
    showResult('ok', h('strong', {}, '접수되었습니다. '), `요청 번호 `,
      h('a', {href: '#', class: 'case-link', onclick: (e) => { e.preventDefault(); drawer.open(r.id); }}, r.id),
      ` · ${r.state}`);
    toast(`접수: ${r.id}`);
    key = newKey();
    quoted = null;
    board.refresh();
  } catch (e) {
    $('#in-confirm').disabled = false;
    showResult('bad', h('strong', {}, '접수되지 않았습니다: '), errorText(e));
  }
}

// Member lookup: the members this console took calls from (the member registry route,
// where the server has it, answers first).
async function lookup() {
  const id = $('#in-member').value.trim();
  if (!id) return;
  let found = null;
  try {
    const m = await get(`/v1/members/${encodeURIComponent(id)}`);
    found = {phone: phone(m.phone), verified: !!m.verified, children: m.children || [],
      restrictions: m.restrictions || []};
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && !e.missingRoute)) throw e;
    found = members()[id] || null;
  }
  const note = $('#in-member-note');
  if (!found) {
    note.textContent = '등록된 정보가 없습니다: 전화번호와 아이 정보를 받아 적으십시오.';
    $('#in-child-pick-label').hidden = true;
    return;
  }
  $('#in-phone').value = found.phone || '';
  $('#in-verified').checked = !!found.verified;
  const limits = (found.restrictions || []).length;
  note.textContent = `회원 ${id}: 등록 정보를 불러왔습니다.${limits ? ` 이용 제한 ${limits}건이 있습니다: 요금 확인에서 거절될 수 있습니다.` : ''}`;
  note.classList.toggle('error', limits > 0);
  const kids = found.children || [];
  $('#in-child-pick-label').hidden = !kids.length;
  clear($('#in-child-pick'), kids.map((c, i) => h('option', {value: String(i)}, `${c.first_name} (${c.age_months ?? '?'}개월)`)));
  const pick = () => {
    const c = kids[Number($('#in-child-pick').value)];
    if (c) { $('#in-child').value = c.first_name; $('#in-age').value = c.age_months ?? ''; }
  };
  $('#in-child-pick').onchange = pick;
  pick();
}

export function reset() {
  $('#intake').reset();
  key = newKey();
  quoted = null;
  $('#in-confirm').disabled = true;
  showResult('', '');
  $('#in-member-note').textContent = '';
  $('#in-child-pick-label').hidden = true;
  const now = serverNow();
  $('#in-date').value = seoulDate(now);
  if (state.sites.length) $('#in-site').value = state.sites[0].slug;
  fillDongs();
  $('#in-member').focus();
}

export function show() {
  if (!$('#in-date').value) reset();
  else $('#in-member').focus();
}

export function init() {
  $('#intake').addEventListener('submit', quote);
  $('#in-confirm').addEventListener('click', confirm);
  $('#in-reset').addEventListener('click', reset);
  $('#in-lookup').addEventListener('click', () => lookup().catch((e) => toast(errorText(e), true)));
  $('#in-member').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); lookup().catch((x) => toast(errorText(x), true)); }
  });
  $('#in-site').addEventListener('change', fillDongs);
  // any change after the quote needs a new quote
  $('#intake').addEventListener('input', () => { quoted = null; $('#in-confirm').disabled = true; });
  $('#intake').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.ctrlKey) { e.preventDefault(); confirm(); }
  });
}
