// board.js: the live board: open cases by site in four columns (escalated, offering,
// queued for a provider, settled), each card with its waves' offers. It listens to the
// change feed (GET /v1/events, Server-Sent Events) where the server has one and polls
// every few seconds where it has not. A case that escalates is highlighted, a tone
// sounds and, if allowed, a desktop notification appears: an operator on a night shift
// may be looking at another screen.
import {get, ApiError, items} from './api.js';
import {$, $$, h, clear, span, shortId, toast, CASE_STATE, OFFER_STATE, OFFER_ORDER,
  ESCALATED_WHY, dongName} from './util.js';
import {state, siteName} from './state.js';
import * as drawer from './drawer.js';

const POLL_MS = 3000;
const OPEN = ['received', 'validated', 'offering', 'escalated', 'queued'];
const COLUMN = {received: 'offering', validated: 'offering', offering: 'offering',
  escalated: 'escalated', expired: 'escalated', queued: 'queued', settled: 'settled'};
const TAKEN = 'eo_taken'; // the cases this browser took, for a server without a list

let timer = 0, source = null, listing = true, running = false;
const cases = new Map();   // id -> the case as last seen
const alerted = new Set(); // escalations already announced

// What the intake sent, so that a card can show the 동 and the time even where the
// server answers a case's state only.
export function remember(created, body, dongLabel) {
  const taken = JSON.parse(sessionStorage.getItem(TAKEN) || '{}');
  taken[created.id] = {id: created.id, site: body.site, dong: {code: body.dong, name: (dongLabel || '').split(' (')[0]},
    start: body.start, end: body.end, member_id: body.member.id};
  sessionStorage.setItem(TAKEN, JSON.stringify(taken));
}

// The open cases of a site and those settled: the list route, every page.
async function listed(site) {
  const out = [];
  for (const st of [...OPEN, 'settled']) {
    let cursor = null, pages = 0;
    do {
      const j = await get('/v1/requests', {site, state: st, cursor, limit: 100});
      out.push(...items(j));
      cursor = j && j.next;
    } while (cursor && ++pages < 10);
  }
  return out;
}

// Without the list route: the cases taken in this browser, each read on its own.
async function taken(site) {
  const all = Object.values(JSON.parse(sessionStorage.getItem(TAKEN) || '{}'))
    .filter((c) => c.site === site);
  return Promise.all(all.map(async (c) => {
    try { return {...c, ...(await get(`/v1/requests/${encodeURIComponent(c.id)}`))}; }
    catch (e) { return {...c, state: c.state || 'received'}; }
  }));
}

// The offers of an open case need its full view (GET /v1/requests/{id}).
async function detail(c) {
  if (c.waves || !['offering', 'escalated'].includes(c.state)) return c;
  try { return {...c, ...(await get(`/v1/requests/${encodeURIComponent(c.id)}`))}; }
  catch (e) { return c; }
}

export async function refresh() {
  if (!running) return;
  const site = $('#board-site').value;
  if (!site) return;
  let list;
  try {
    if (listing) {
      try {
        list = await listed(site);
      } catch (e) {
        if (!(e instanceof ApiError && e.missingRoute)) throw e;
        listing = false;
      }
    }
    if (!listing) list = await taken(site);
    list = await Promise.all(list.map(detail));
    $('#board-note').textContent = listing ? '' : '이 서버에는 목록 조회가 없어 이 창에서 접수한 건만 보입니다';
  } catch (e) {
    $('#live').textContent = '연결 끊김';
    $('#live').className = 'live bad';
    return;
  }
  // the site's cases are what the server answered now: one that closed (cancelled,
  // expired) leaves the board
  const seen = new Set(list.map((c) => c.id));
  for (const [id, c] of cases) if (c.site === site && !seen.has(id)) cases.delete(id);
  for (const c of list) cases.set(c.id, {...cases.get(c.id), ...c});
  draw(site);
}

function offers(c) {
  if (!Array.isArray(c.waves) || !c.waves.length) return null;
  return h('div', {class: 'waves'}, c.waves.map((w) => {
    const count = {};
    for (const o of w.offers) count[o.state] = (count[o.state] || 0) + 1;
    return h('div', {class: 'wave'}, h('span', {class: 'wave-n'}, `${w.wave}차`),
      OFFER_ORDER.filter((s) => count[s]).map((s) =>
        h('span', {class: `offer o-${s}`, title: OFFER_STATE[s]}, `${OFFER_STATE[s]} ${count[s]}`)));
  }));
}

function card(c) {
  const winners = (c.winners || []).map((w) => (typeof w === 'object' ? w.name || `#${w.carer_id}` : `#${w}`));
  return h('li', {class: `card s-${c.state}`, tabindex: '0', dataset: {id: c.id},
    onclick: () => drawer.open(c.id),
    onkeydown: (e) => { if (e.key === 'Enter') drawer.open(c.id); }},
  h('div', {class: 'card-head'}, h('strong', {}, dongName(c.dong) || siteName(c.site)),
    h('span', {class: 'state'}, CASE_STATE[c.state] || c.state)),
  h('div', {class: 'muted'}, c.start ? span(c) : '', ` · ${shortId(c.id)}`),
  c.state === 'escalated' && c.escalated_why ? h('div', {class: 'why'}, ESCALATED_WHY[c.escalated_why] || c.escalated_why) : null,
  winners.length ? h('div', {class: 'winners'}, `돌보미: ${winners.join(', ')}`) : null,
  offers(c));
}

function draw(site) {
  const filter = $('#board-filter').value.trim();
  // the cards are drawn anew on every update: the card the operator is on keeps the
  // focus, or Enter (and the arrows) would land on the page instead of the case
  const active = document.activeElement;
  const focused = active && active.classList.contains('card') ? active.dataset.id : null;
  const cols = {escalated: [], offering: [], queued: [], settled: []};
  for (const c of cases.values()) {
    if (c.site !== site || !COLUMN[c.state]) continue;
    if (filter && !c.id.includes(filter) && !dongName(c.dong).includes(filter)) continue;
    cols[COLUMN[c.state]].push(c);
  }
  for (const [col, list] of Object.entries(cols)) {
    list.sort((a, b) => String(a.start).localeCompare(String(b.start)));
    clear($(`[data-column=${col}]`), list.map(card));
    $(`[data-count=${col}]`).textContent = String(list.length);
  }
  if (focused) {
    const again = [...document.querySelectorAll('li.card')].find((el) => el.dataset.id === focused);
    if (again) again.focus();
  }
  announce(cols.escalated);
  document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
}

// New escalations: the badge, a tone and a notification, once per case.
function announce(escalated) {
  const fresh = escalated.filter((c) => !alerted.has(c.id));
  for (const c of fresh) alerted.add(c.id);
  const badge = $('#alert-badge');
  badge.hidden = !escalated.length;
  badge.textContent = `긴급 ${escalated.length}건`;
  if (!fresh.length) return;
  // counted on the page, so that a supervisor's screen (and the browser test) can tell
  // that the operator was alerted
  document.body.dataset.alerts = String(Number(document.body.dataset.alerts || 0) + fresh.length);
  toast(`긴급: 배정되지 않은 건 ${fresh.length}건`, true);
  beep();
  if ('Notification' in window && Notification.permission === 'granted')
    new Notification('언제나: 긴급 미배정', {body: fresh.map((c) => `${dongName(c.dong)} ${span(c)}`).join('\n')});
}

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.2, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.8);
  } catch (e) { /* no sound device: the badge and the highlight remain */ }
}

export function askNotifications() {
  if ('Notification' in window) Notification.requestPermission().then((p) => {
    $('#notify').hidden = p === 'granted';
  });
  beep(); // a click also unlocks the page's sound
}

// The change feed: any event refreshes the board; an error before the first message
// means there is none here, and the board polls.
function listen() {
  if (!('EventSource' in window)) return poll();
  source = new EventSource('/v1/events');
  let opened = false;
  source.onopen = () => {
    opened = true;
    $('#live').textContent = '실시간';
    $('#live').className = 'live ok';
  };
  source.onmessage = () => refresh();
  source.onerror = () => {
    if (opened) return; // the browser reconnects with Last-Event-ID
    source.close();
    source = null;
    poll();
  };
}

function poll() {
  $('#live').textContent = `${POLL_MS / 1000}초마다 갱신`;
  $('#live').className = 'live';
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

export function start() {
  running = true;
  refresh();
  listen();
}

export function stop() {
  running = false;
  clearInterval(timer);
  if (source) source.close();
  source = null;
}

export function show() {
  refresh();
}

export function init() {
  $('#board-site').addEventListener('change', refresh);
  $('#board-filter').addEventListener('input', () => draw($('#board-site').value));
  $('#board-refresh').addEventListener('click', refresh);
  document.addEventListener('keydown', (e) => {
    if (state.tab !== 'board' || e.target.tagName === 'INPUT' || e.altKey || e.ctrlKey) return;
    if (e.key === 'r' || e.key === 'R') refresh();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const cards = $$('.card');
      const i = cards.indexOf(document.activeElement);
      const next = cards[Math.max(0, Math.min(cards.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) { e.preventDefault(); next.focus(); }
    }
  });
}
