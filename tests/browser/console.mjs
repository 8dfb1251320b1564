// console.mjs: the browser half of browser.console (console.sh starts the server).
// Drives the console as an operator would, with the keyboard where the console offers
// keys, at 1366x768, and fails on any uncaught error or Content-Security-Policy refusal
// in the page. EO_HAS_EVENTS / EO_HAS_CANCEL say whether the gateway has the journal and
// cancel routes; without them the page must say so.
import {createRequire} from 'node:module';
import {writeFileSync} from 'node:fs';

const require = createRequire(`${process.env.NODE_PATH}/`);
const {chromium} = require('playwright-core');

const URL = process.env.EO_URL, SHOTS = process.env.EO_SHOTS;
const HAS_EVENTS = process.env.EO_HAS_EVENTS === '1', HAS_CANCEL = process.env.EO_HAS_CANCEL === '1';
const HAS_LIST = process.env.EO_HAS_LIST === '1', HAS_CARERS = process.env.EO_HAS_CARERS === '1';
const problems = [];
let shot = 0;

function fail(msg) {
  throw new Error(msg);
}

async function snap(page, name) {
  shot += 1;
  const file = `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png`;
  await page.screenshot({path: file});
  console.log(`screenshot ${file}`);
}

// One phone request through the form: lookup, child, 동 by name, time, quote, confirm.
async function intake(page, {member, phone, child, age, dong, start, end}) {
  await page.keyboard.press('Alt+n');
  await page.locator('#in-member').fill(member);
  await page.keyboard.press('Enter'); // lookup
  await page.locator('#in-member-note').filter({hasText: /\S/}).waitFor();
  if (!(await page.locator('#in-phone').inputValue())) await page.locator('#in-phone').fill(phone);
  await page.locator('#in-verified').check();
  await page.locator('#in-child').fill(child);
  await page.locator('#in-age').fill(String(age));
  await page.locator('#in-dong').fill(dong);
  await page.locator('#in-address').fill('수원시 장안구 파장로 1');
  await page.locator('#in-start').fill(start);
  await page.locator('#in-end').fill(end);
  await page.locator('#in-end').press('Enter'); // the quote
  await page.locator('#in-result.ok').filter({hasText: '회원 부담'}).waitFor();
  if (await page.locator('#in-confirm').isDisabled()) fail('confirm stays disabled after the quote');
  return async () => {
    await page.keyboard.press('Control+Enter');
    const link = page.locator('#in-result .case-link');
    await link.waitFor();
    return (await link.textContent()).trim();
  };
}

async function main() {
  const browser = await chromium.launch({executablePath: process.env.EO_CHROMIUM,
    headless: true, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required']});
  const context = await browser.newContext({viewport: {width: 1366, height: 768},
    locale: 'ko-KR', timezoneId: 'Asia/Seoul'});
  await context.grantPermissions(['notifications'], {origin: URL});
  // count what the operator would hear and see outside the page: every tone started and
  // every desktop notification shown
  await context.addInitScript(() => {
    window.__tones = 0;
    window.__notes = [];
    const Start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...a) { window.__tones += 1; return Start.apply(this, a); };
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, opts) { super(title, opts); window.__notes.push({title, body: opts && opts.body}); }
    };
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  try {
    // log in
    await page.goto(`${URL}/console`);
    await page.locator('#login-id').waitFor();
    await page.locator('#login-id').fill('kim');
    await page.locator('#login-password').fill('wrong-password');
    await page.locator('#login-password').press('Enter');
    await page.locator('#login-error').filter({hasText: '아이디 또는 비밀번호가 틀렸습니다'}).waitFor();
    await page.locator('#login-password').fill('night-shift-pw-1');
    await snap(page, 'login');
    await page.locator('#login-password').press('Enter');
    await page.locator('#who').filter({hasText: 'kim'}).waitFor();
    const site = await page.locator('#board-site option').first().textContent();
    if (site !== '수원시') fail(`the operator of suwon sees site ${site} first`);

    // a refusal, in Korean: 10:00 today is in the past at 19:00
    await page.keyboard.press('Alt+2');
    await page.locator('#tab-intake').waitFor();
    await intake(page, {member: 'm-77', phone: '010-2345-6789', child: '서연', age: 60,
      dong: '파장동', start: '22:00', end: '00:00'}).then(() => null);
    await page.locator('#in-start').fill('10:00');
    await page.locator('#in-end').fill('12:00');
    await page.locator('#in-end').press('Enter');
    await page.locator('#in-result.bad').filter({hasText: '서비스 시작 2시간 전까지'}).waitFor();
    if (!(await page.locator('#in-confirm').isDisabled())) fail('a refused quote can be confirmed');
    await snap(page, 'refused');

    // the first request: 22:00-24:00 tonight, quoted, then confirmed
    const confirm1 = await intake(page, {member: 'm-77', phone: '010-2345-6789', child: '서연',
      age: 60, dong: '파장동', start: '22:00', end: '00:00'});
    await snap(page, 'quote');
    const first = await confirm1();
    if (!/^suwon-[0-9a-f]{24}$/.test(first)) fail(`request id ${first}`);
    writeFileSync(`${SHOTS}/first.id`, first);
    console.log(`first request ${first}`);

    // it settles on the board through the simulated carers
    await page.keyboard.press('Alt+1');
    const card = page.locator(`[data-column=settled] [data-id="${first}"]`);
    await card.waitFor({timeout: 40000});
    if (!(await card.textContent()).includes('파장동')) fail('the card does not name the 동');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 1366) fail(`the board is ${width}px wide at 1366x768`);
    await snap(page, 'board-settled');

    // its journal: Enter on the card opens the case
    await card.focus();
    await page.keyboard.press('Enter');
    await page.locator('#drawer').waitFor();
    await page.locator('#cd-title').filter({hasText: first}).waitFor();
    if (HAS_EVENTS) {
      await page.locator('#cd-journal').filter({hasText: '해시 체인 확인됨'}).waitFor();
      const rows = await page.locator('#cd-journal tbody tr').count();
      if (rows < 3) fail(`the journal shows ${rows} entries`);
      await page.locator('#cd-journal').filter({hasText: 'kim'}).waitFor();
    } else {
      await page.locator('#cd-journal-missing').waitFor();
      console.log('this gateway has no GET /v1/requests/{id}/events: the page says so');
    }
    await snap(page, 'journal');
    await page.keyboard.press('Escape');
    await page.locator('#drawer').waitFor({state: 'hidden'});

    // a second request: 24 hours from 22:00, which no carer is free for, escalates at
    // once: the red column, the header's count, a tone and a desktop notification
    await page.locator('#notify').click();
    await page.keyboard.press('Alt+2');
    const confirm2 = await intake(page, {member: 'm-77', phone: '', child: '서연', age: 60,
      dong: '파장동', start: '22:00', end: '22:00'});
    const tonesBefore = await page.evaluate(() => window.__tones);
    const second = await confirm2();
    if (second === first) fail('the second intake made no new case');
    console.log(`second request ${second}`);
    await page.keyboard.press('Alt+1');
    const urgent = page.locator(`[data-column=escalated] [data-id="${second}"].s-escalated`);
    await urgent.waitFor({timeout: 30000});
    if (HAS_LIST) await urgent.filter({hasText: '조건에 맞는 돌보미가 더 없습니다'}).waitFor();
    await page.locator('#alert-badge').filter({hasText: '긴급 1건'}).waitFor();
    await page.waitForFunction(() => document.body.dataset.alerts === '1');
    const alerted = await page.evaluate(() => ({tones: window.__tones, notes: window.__notes}));
    if (alerted.tones <= tonesBefore) fail('no tone for the escalation');
    if (alerted.notes.length !== 1 || !alerted.notes[0].body.includes('파장동'))
      fail(`notifications: ${JSON.stringify(alerted.notes)}`);
    await snap(page, 'escalated');
    // announced once: the board's next refreshes do not sound again (two by hand: on the
    // change feed the board redraws only when something changes, not on a timer)
    const drawn = await page.evaluate(() => Number(document.body.dataset.drawn));
    await page.locator('#board-refresh').click();
    await page.waitForFunction((n) => Number(document.body.dataset.drawn) >= n + 1, drawn);
    await page.locator('#board-refresh').click();
    await page.waitForFunction((n) => Number(document.body.dataset.drawn) >= n + 2, drawn);
    if ((await page.evaluate(() => window.__notes.length)) !== 1) fail('the escalation was announced twice');

    // ... and is cancelled from its case
    await urgent.click();
    await page.locator('#cd-title').filter({hasText: second}).waitFor();
    await page.locator('#cd-cancel').click();
    await page.locator('#ask-input').fill('보호자 요청');
    await page.locator('#ask-input').press('Enter');
    if (HAS_CANCEL) {
      await page.locator('#toast').filter({hasText: '취소되었습니다'}).waitFor();
      await page.locator('#cd-body .state').filter({hasText: '취소'}).waitFor();
      await page.locator('#cd-journal').filter({hasText: 'operator:kim'}).waitFor();
      await page.keyboard.press('Escape');
      await page.locator(`[data-id="${second}"]`).waitFor({state: 'detached'});
      await page.locator('#alert-badge').waitFor({state: 'hidden'});
    } else {
      await page.locator('#toast').filter({hasText: 'POST /v1/requests/{id}/cancel'}).waitFor();
      console.log('this gateway has no POST /v1/requests/{id}/cancel: the page says so');
    }
    await snap(page, 'cancel');

    // the other screens open without errors
    for (const [key, sel] of [['Alt+3', '#tab-handoffs'], ['Alt+4', '#tab-carers'], ['Alt+5', '#tab-holidays']]) {
      await page.keyboard.press('Escape');
      await page.keyboard.press(key);
      await page.locator(sel).waitFor();
    }
    await page.locator('#hd-table tbody tr').first().waitFor();
    await snap(page, 'holidays');
    // the carers of 파장동: name, phone as dialled here, consent, this week's minutes
    await page.keyboard.press('Alt+4');
    if (HAS_CARERS) {
      await page.locator('#ca-note').filter({hasText: '명'}).waitFor();
      await page.locator('#ca-dong').fill('파장동');
      await page.locator('#ca-dong').press('Enter');
      const row = page.locator('#ca-table tbody tr').first();
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      if (cells.length !== 10 || !/^010-\d{4}-\d{4}$/.test(cells[2]) || !/분|시간/.test(cells[8]))
        fail(`a carer's row: ${JSON.stringify(cells)}`);
    } else {
      await page.locator('#ca-note').filter({hasText: '제공하지 않습니다'}).waitFor();
    }
    await snap(page, 'carers');
    await page.keyboard.press('Alt+3');
    await page.locator('#ho-note').filter({hasText: /\S/}).waitFor();
    await snap(page, 'handoffs');
  } catch (e) {
    await snap(page, 'failed').catch(() => {});
    problems.push(e.message);
  } finally {
    await browser.close();
  }
  if (problems.length) {
    for (const p of problems) console.error(`FAIL: ${p}`);
    process.exit(1);
  }
  console.log('console.mjs: ok');
}

main();
