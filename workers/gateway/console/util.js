// util.js: building the page (text only: nothing from the server is ever parsed as
// HTML), Korean labels, Seoul times on the server's clock, and the page's small
// helpers (toast, the confirmation dialog).

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// h('td', {class: 'num', dataset: {id}}, 'text', child...): an element; strings become
// text nodes, null/false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// --- labels ---------------------------------------------------------------------------

export const CASE_STATE = {
  received: '접수', validated: '확인', offering: '제안 중', settled: '배정 완료',
  escalated: '긴급 · 미배정', expired: '만료', cancelled: '취소', queued: '기관 대기',
  closed: '종료', refused: '접수 불가',
};
export const OFFER_STATE = {
  sent: '발송', delivered: '도달', accepted: '수락', declined: '거절', expired: '만료',
  unreachable: '연락 불가', filled: '마감', withdrawn: '철회', cancelled: '취소',
};
export const OFFER_ORDER = ['sent', 'delivered', 'declined', 'accepted', 'expired',
  'unreachable', 'filled', 'withdrawn', 'cancelled'];
export const HANDOFF_KIND = {
  settled: '배정 완료 인계', waiting: '기관 처리 대기', escalated: '미배정 인계', reopened: '재개',
};
export const HOLIDAY_KIND = {
  holiday: '공휴일', substitute: '대체공휴일', election: '선거일', temporary: '임시공휴일',
};
export const ROUTE = {pool: '언제나돌보미 풀', provider: '서비스제공기관', refused: '접수 불가'};
export const TYPE = {visit: '방문형', facility: '시설형'};
export const CHANNEL = {app: '앱', call_centre: '콜센터', operator: '상담원'};
export const ROLE = {operator: '상담원', admin: '관리자'};

// --- the server's clock: the console shows and asks in the server's time, which a test
// or a drill may have moved (eonjena serve --clock offset:...) ---------------------------

let skewMs = 0;
export function setServerTime(iso) {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) skewMs = t - Date.now();
}
export const serverNow = () => new Date(Date.now() + skewMs);

const SEOUL = 'Asia/Seoul';
const partsFmt = new Intl.DateTimeFormat('en-CA', {timeZone: SEOUL, year: 'numeric',
  month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23'});

// {y, m, d, hh, mm, ss} of a Date in Seoul, as strings.
export function seoulParts(date) {
  const p = {};
  for (const {type, value} of partsFmt.formatToParts(date)) p[type] = value;
  return {y: p.year, m: p.month, d: p.day, hh: p.hour, mm: p.minute, ss: p.second};
}
export function seoulDate(date) {
  const p = seoulParts(date);
  return `${p.y}-${p.m}-${p.d}`;
}
export function seoulMinute(date) {
  const p = seoulParts(date);
  return `${p.y}-${p.m}-${p.d}T${p.hh}:${p.mm}`;
}
// The day after "YYYY-MM-DD".
export function nextDay(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + 1));
  return t.toISOString().slice(0, 10);
}
const WEEKDAY = ['일', '월', '화', '수', '목', '금', '토'];
export function weekday(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return WEEKDAY[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

// "11/27(금) 22:00" from an ISO time; "" for none.
export function when(iso) {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const p = seoulParts(t);
  return `${+p.m}/${+p.d}(${weekday(`${p.y}-${p.m}-${p.d}`)}) ${p.hh}:${p.mm}`;
}
// "22:00" (or the whole date when the day differs from the start's).
export function until(startIso, endIso) {
  if (!endIso) return '';
  const s = new Date(startIso), e = new Date(endIso);
  if (Number.isNaN(e.getTime())) return String(endIso);
  if (!Number.isNaN(s.getTime()) && seoulDate(s) === seoulDate(e)) {
    const p = seoulParts(e);
    return `${p.hh}:${p.mm}`;
  }
  const p = seoulParts(e);
  return p.hh === '00' && p.mm === '00' && seoulDate(new Date(e - 1)) === seoulDate(s) ? '24:00' : when(endIso);
}
export const span = (c) => `${when(c.start)}–${until(c.start, c.end)}`;

export const won = (n) => (n === null || n === undefined ? '-' : `${Number(n).toLocaleString('ko-KR')}원`);
export function minutes(n) {
  if (n === null || n === undefined) return '-';
  const hh = Math.floor(n / 60), mm = n % 60;
  return hh ? (mm ? `${hh}시간 ${mm}분` : `${hh}시간`) : `${mm}분`;
}
export const dongName = (d) => (d && typeof d === 'object' ? d.name || d.code : d || '');
export const shortId = (id) => (id && id.length > 14 ? `${id.slice(0, id.indexOf('-') + 7)}…${id.slice(-4)}` : id || '');

// --- feedback -------------------------------------------------------------------------

let toastTimer = 0;
export function toast(text, bad = false) {
  const el = $('#toast');
  el.textContent = text;
  el.className = `toast show${bad ? ' bad' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, bad ? 8000 : 4000);
}

// An error's Korean text with every field the server named (error.details).
export function errorText(err) {
  const more = (err.details || []).map((d) => d.message_ko).filter((m) => m && m !== err.message);
  return [err.message, ...more].join(' · ');
}

// The confirmation dialog: resolves to the text typed (or '' without an input), or null
// when the operator went back. Enter confirms, Esc goes back.
export function ask({title, text, label, value = '', required = false, yes = '확인'}) {
  const dlg = $('#ask'), input = $('#ask-input');
  $('#ask-title').textContent = title;
  $('#ask-text').textContent = text || '';
  $('#ask-label').hidden = !label;
  $('#ask-label-text').textContent = label || '';
  $('#ask-yes').textContent = yes;
  input.value = value;
  input.required = !!(label && required);
  return new Promise((resolve) => {
    const done = (v) => {
      dlg.removeEventListener('close', onClose);
      $('#ask-no').removeEventListener('click', onNo);
      resolve(v);
    };
    const onClose = () => done(dlg.returnValue === 'ok' ? (label ? input.value.trim() : '') : null);
    const onNo = () => dlg.close('cancel');
    dlg.addEventListener('close', onClose);
    $('#ask-no').addEventListener('click', onNo);
    dlg.returnValue = '';
    dlg.showModal();
    (label ? input : $('#ask-yes')).focus();
  });
}

// The fee rules' Korean names (data/fees.tsv keys); the server's own text otherwise.
export const FEE_RULE = {
  'visit.base': '방문형 기본 요금', 'visit.plus50': '방문형 50% 가산 요금 (야간·휴일)',
  'visit.plus100': '방문형 100% 가산 요금', 'visit.surcharge': '긴급 신청 할증',
  'facility.weekday_day': '시설형 평일 주간', 'facility.weekday_night': '시설형 평일 야간',
  'facility.holiday_day': '시설형 휴일 주간', 'facility.holiday_night': '시설형 휴일 야간',
  'cancel.free': '취소 수수료 없음', 'cancel.hour': '취소 수수료 (1시간 요금)',
  'cancel.late': '취소 수수료 (시작 1시간 이내)',
};
export function feeLine(l) {
  const name = FEE_RULE[l.rule] || l.what;
  return `${name}${l.minutes ? ` · ${minutes(l.minutes)}` : ''}: ${won(l.won)}`;
}

// Why a case escalated (the matcher's codes), in Korean.
export const ESCALATED_WHY = {
  no_candidates: '조건에 맞는 돌보미가 더 없습니다', start_too_close: '시작 시각이 너무 가깝습니다',
  outside_pool_hours: '돌보미 풀 운영 시간이 지났습니다', dong_not_served: '이 동은 더 이상 지역에 속하지 않습니다',
};

// A Korean number as it is dialled here: +821012345678 -> 010-1234-5678; a masked one
// (+82 10-****-0005) -> 010-****-0005; anything else as it is.
export function phone(p) {
  if (!p) return '';
  const m = /^\+82 ?(\d{1,2})[- ]?([\d*]{3,4})[- ]?([\d*]{4})$/.exec(p);
  return m ? `0${m[1]}-${m[2]}-${m[3]}` : p;
}
