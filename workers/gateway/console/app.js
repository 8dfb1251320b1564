// app.js: the console's start: who is logged in, the tabs and the keys, the server's
// clock. Each screen is its own module; they share the operator and the sites (state).
import {call, get, onUnauthorized, ApiError} from './api.js';
import {$, $$, h, clear, setServerTime, serverNow, seoulParts, ROLE} from './util.js';
import {state} from './state.js';
import * as board from './board.js';
import * as intake from './intake.js';
import * as drawer from './drawer.js';
import * as lists from './lists.js';

const TABS = ['board', 'intake', 'handoffs', 'carers', 'holidays'];
const SCREENS = {board, intake, handoffs: lists.handoffs, carers: lists.carers,
  holidays: lists.holidays};

function showTab(name) {
  for (const b of $$('[role=tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const t of TABS) $(`#tab-${t}`).hidden = t !== name;
  state.tab = name;
  SCREENS[name].show();
}

// The server's time, every 30 s: a drill or a test may run the server on another clock,
// and every time the operator types is in the server's time.
async function tick() {
  try {
    const {json, headers} = await call('GET', '/v1/health');
    setServerTime(json.time);
    $('#demo-banner').hidden = headers.get('X-Eonjena-Insecure-Demo') !== '1';
  } catch (e) { /* the board says when the server is away */ }
}
function drawClock() {
  const p = seoulParts(serverNow());
  $('#clock').textContent = `${p.m}/${p.d} ${p.hh}:${p.mm}`;
}

function showLogin(message) {
  $('#app').hidden = true;
  drawer.close();
  board.stop();
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  sessionStorage.removeItem('eo_operator');
  $('#login-id').focus();
}

async function start(me) {
  state.me = me;
  sessionStorage.setItem('eo_operator', JSON.stringify(me));
  $('#login').hidden = true;
  $('#app').hidden = false;
  clear($('#who'), `${me.id} (${ROLE[me.role] || me.role})`);
  await tick();
  const sites = await get('/v1/sites');
  const mine = me.sites === '*' ? null : me.sites.split(',');
  state.sites = sites.items.filter((s) => !mine || mine.includes(s.slug));
  for (const sel of $$('select[data-sites], #board-site, #in-site, #ca-site')) {
    clear(sel, state.sites.map((s) => h('option', {value: s.slug}, s.name)));
  }
  clear($('#ho-provider'), state.sites.flatMap((s) => s.providers.filter((p) => p.pull)
    .map((p) => h('option', {value: p.id}, `${s.name} · ${p.name}`))));
  board.start();
  showTab(state.tab || 'board');
}

async function login(ev) {
  ev.preventDefault();
  $('#login-error').textContent = '';
  try {
    const {json} = await call('POST', '/v1/session',
      {id: $('#login-id').value.trim(), password: $('#login-password').value});
    $('#login-password').value = '';
    await start(json);
  } catch (e) {
    $('#login-error').textContent = e instanceof ApiError ? e.message : String(e);
  }
}

async function logout() {
  try { await call('DELETE', '/v1/session'); } catch (e) { /* gone already */ }
  showLogin('로그아웃했습니다.');
}

// Alt+1..5 the tabs, Esc closes the case, '/' the board's filter, Alt+N a new intake.
function keys(ev) {
  if (!state.me) return;
  if (ev.altKey && ev.key >= '1' && ev.key <= '5') {
    ev.preventDefault();
    showTab(TABS[Number(ev.key) - 1]);
  } else if (ev.altKey && (ev.key === 'n' || ev.key === 'N')) {
    ev.preventDefault();
    showTab('intake');
    intake.reset();
  } else if (ev.key === 'Escape' && !$('#drawer').hidden && !$('#ask').open) {
    drawer.close();
  } else if (ev.key === '/' && state.tab === 'board' && document.activeElement.tagName !== 'INPUT') {
    ev.preventDefault();
    $('#board-filter').focus();
  }
}

function init() {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  for (const b of $$('[role=tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('#notify').addEventListener('click', () => board.askNotifications());
  $('#alert-badge').addEventListener('click', () => showTab('board'));
  document.addEventListener('keydown', keys);
  onUnauthorized(() => showLogin('세션이 끝났습니다. 다시 로그인하십시오.'));
  board.init();
  intake.init();
  drawer.init();
  lists.init();
  setInterval(tick, 30000);
  setInterval(drawClock, 1000);
  drawClock();
  const saved = sessionStorage.getItem('eo_operator');
  if (saved) start(JSON.parse(saved)).catch((e) => showLogin(e.message));
  else showLogin();
}

init();
