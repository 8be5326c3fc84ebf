// The web console in real headless Chromium (Debian's /usr/bin/chromium; playwright-core never
// downloads a browser), against the local server that scripts/demo.sh seeded and left running
// (LAUNCHER_URL). Run by tests/browser/run.sh, which `make test` calls.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.LAUNCHER_URL;
const ARTIFACTS = process.env.BROWSER_ARTIFACTS || 'target/browser-artifacts';
const IDP_PORT = Number(process.env.BROWSER_IDP_PORT);
const ISSUER = process.env.LAUNCHER_JWT_ISSUER;
const SECRET = process.env.LAUNCHER_JWT_HS256_SECRET;
const CLIENT_ID = process.env.LAUNCHER_CONSOLE_CLIENT_ID;
assert.ok(BASE && ISSUER && SECRET && CLIENT_ID && IDP_PORT, 'run through tests/browser/run.sh');

// What the demo's rules let olivia (group ops) see, across the three linked accounts.
const OLIVIA_SEES = ['billing-close', 'inventory-sync', 'report-daily', 'report-weekly', 'report-monthly', 'report-quarterly'];

let context;
let profile;
let idp;

// ---- a stand-in OIDC provider: discovery, authorize (code + PKCE S256), token ----

const b64url = (buf) => Buffer.from(buf).toString('base64url');
function jwt(claims) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(createHmac('sha256', SECRET).update(`${head}.${body}`).digest())}`;
}
const codes = new Map();
const idpLog = [];
// What the stand-in provider gets wrong on purpose for the next sign-in (null: nothing).
let tamper = null;

function startIdp() {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url, ISSUER);
      const cors = { 'Access-Control-Allow-Origin': BASE };
      idpLog.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
        res.end(JSON.stringify({ issuer: tamper === 'issuer' ? 'https://other-idp.example' : ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`,
          code_challenge_methods_supported: ['S256'], response_types_supported: ['code'],
          authorization_response_iss_parameter_supported: true }));
        return;
      }
      if (url.pathname === '/authorize') {
        const p = url.searchParams;
        const ok = p.get('response_type') === 'code' && p.get('client_id') === CLIENT_ID
          && p.get('code_challenge_method') === 'S256' && p.get('code_challenge') && p.get('state') && p.get('nonce')
          && p.get('redirect_uri') === `${BASE}/`;
        if (!ok) { res.writeHead(400); res.end('bad authorization request'); return; }
        const code = b64url(randomBytes(16));
        codes.set(code, { challenge: p.get('code_challenge'), nonce: p.get('nonce'), redirect: p.get('redirect_uri') });
        const state = tamper === 'state' ? `${p.get('state')}x` : p.get('state');
        // RFC 9207: this provider names itself in every answer (as its discovery document says).
        const iss = tamper === 'no-iss' ? '' : `&iss=${encodeURIComponent(tamper === 'iss' ? 'https://other-idp.example' : ISSUER)}`;
        res.writeHead(302, { Location: `${p.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(state)}${iss}` });
        res.end();
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        let raw = '';
        for await (const chunk of req) raw += chunk;
        const form = new URLSearchParams(raw);
        const grant = codes.get(form.get('code'));
        codes.delete(form.get('code'));
        const verified = grant && form.get('grant_type') === 'authorization_code' && form.get('client_id') === CLIENT_ID
          && form.get('redirect_uri') === grant.redirect
          && b64url(createHash('sha256').update(form.get('code_verifier') || '').digest()) === grant.challenge;
        if (!verified) { res.writeHead(400, { 'Content-Type': 'application/json', ...cors }); res.end('{"error":"invalid_grant"}'); return; }
        const now = Math.floor(Date.now() / 1000);
        const user = { sub: 'olivia@acme', org_id: 'acme', groups: ['ops'] };
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors });
        res.end(JSON.stringify({
          token_type: 'Bearer', expires_in: 600,
          access_token: jwt({ ...user, iss: ISSUER, aud: 'lambda-launcher', iat: now, exp: now + 600 }),
          id_token: jwt({ ...user, iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 600, nonce: tamper === 'nonce' ? 'another-sign-in' : grant.nonce }),
        }));
        return;
      }
      res.writeHead(404); res.end();
    });
    server.listen(IDP_PORT, '127.0.0.1', () => resolve(server));
  });
}

// ---- the browser ----

before(async () => {
  idp = await startIdp();
  profile = mkdtempSync(join(tmpdir(), 'launcher-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 1280, height: 860 },
  });
});

after(async () => {
  await context?.close();
  idp?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A fresh tab (its own sessionStorage: signed out), with page errors failing the test. */
async function newPage(t, { allow = [] } = {}) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  t.after(async () => {
    await page.close();
    // A 4xx the test provoked is logged by Chromium as a failed resource; nothing else may be.
    const allowed = [/status of (403|404|422)/, ...allow];
    const unexpected = errors.filter((e) => !allowed.some((a) => a.test(e)));
    assert.deepEqual(unexpected, [], 'no script errors or CSP violations');
  });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function devSignIn(page, user) {
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { name: 'Development sign-in (local only)' }).waitFor();
  await page.getByRole('button', { name: `Sign in as ${user}` }).click();
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  await page.locator('#count').filter({ hasText: 'function' }).waitFor();
}

/** Every form control has an accessible name (a label or aria-label). */
async function assertLabelled(page) {
  const unlabelled = await page.locator('input, select, textarea').evaluateAll((els) =>
    els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.outerHTML));
  assert.deepEqual(unlabelled, []);
}

async function listedNames(page) {
  return page.locator('[data-function]').evaluateAll((els) => els.map((e) => e.dataset.function));
}

function invokeRequests(page) {
  const seen = [];
  page.on('request', (r) => { if (r.url().includes('/invoke')) seen.push(r); });
  return seen;
}

// ---- the tests ----

test('the sign-in page offers the clearly marked development sign-in and the organization sign-in', async (t) => {
  const page = await newPage(t);
  const response = await page.goto(`${BASE}/`);
  assert.match(response.headers()['content-security-policy'], /script-src 'self'/);
  await page.getByRole('heading', { name: 'Development sign-in (local only)' }).waitFor();
  for (const user of ['alice', 'olivia', 'mallory']) {
    assert.ok(await page.getByRole('button', { name: `Sign in as ${user}` }).isVisible(), user);
  }
  assert.ok(await page.getByRole('button', { name: 'Sign in with your organization' }).isVisible());
  assert.deepEqual(await context.cookies(BASE), [], 'no cookies');
  await shot(page, '01-sign-in');
});

test('an operator signs in and sees only the functions the rules allow, grouped and searchable', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  assert.deepEqual((await listedNames(page)).sort(), [...OLIVIA_SEES].sort());
  const groups = await page.locator('section.group').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.deepEqual(groups, ['analytics · us-east-1', 'ops-account · us-east-1', 'prod · us-east-1']);
  const daily = page.locator('[data-function="report-daily"]');
  assert.match(await daily.innerText(), /Builds the daily sales report/);
  assert.match(await daily.innerText(), /team=ops/);
  assert.equal(await page.locator('[data-function="db-migrate"]').count(), 0, 'a hidden function is not listed');
  await shot(page, '02-functions-olivia');
  await assertLabelled(page);
  await page.getByLabel('Search functions').fill('weekly');
  assert.deepEqual(await listedNames(page), ['report-weekly']);
  await page.getByLabel('Search functions').fill('team=billing');
  assert.deepEqual(await listedNames(page), ['billing-close']);
  // The token lives in sessionStorage, never in a cookie.
  assert.ok(await page.evaluate(() => sessionStorage.getItem('launcher.token')));
  assert.deepEqual(await context.cookies(BASE), []);
});

test('one click runs a sync function and shows status, version, duration and the result', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  const sent = invokeRequests(page);
  await page.getByRole('link', { name: 'report-weekly' }).click();
  // Buttons follow the caller's rights: olivia may run sync (and dry-run), not async.
  await page.getByRole('button', { name: 'Run', exact: true }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Dry run' }).isVisible());
  assert.equal(await page.getByRole('button', { name: 'Run async' }).count(), 0);
  await page.getByLabel('Payload (JSON)').fill('{"week": 50}');
  const answer = page.waitForResponse((r) => r.url().includes('/invoke'));
  // A double click runs once: the button is disabled while the run is in flight.
  await page.getByRole('button', { name: 'Run', exact: true }).dblclick();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  const api = await (await answer).json();
  const result = await page.locator('#result').innerText();
  assert.match(result, /Status\s+200/);
  assert.match(result, /Function error\s+none/);
  // What the page shows is what the API answered (moto reports no executed version: '—').
  const shows = (label, value) => assert.match(result, new RegExp(`${label}\\s+${value.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')}(\\s|$)`));
  shows('Executed version', api.executed_version ?? '—');
  shows('Duration', `${api.duration_ms} ms`);
  shows('Request id', api.request_id || '—');
  assert.equal(typeof api.duration_ms, 'number');
  assert.deepEqual(JSON.parse(await page.locator('#result-payload').innerText()), { week: 50 });
  assert.equal(sent.length, 1, 'one run for a double click');
  assert.ok(sent[0].headers()['idempotency-key'], 'each click carries an Idempotency-Key');
  await shot(page, '03-function-result');
  // A second run, from the keyboard, is a new run with a new key.
  await page.getByRole('button', { name: 'Dry run' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#result-summary').filter({ hasText: 'Dry run' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.dataset?.mode === 'dry-run');
  assert.equal(sent.length, 2);
  assert.notEqual(sent[0].headers()['idempotency-key'], sent[1].headers()['idempotency-key']);
});

test('a run that failed in the function shows its error, executed version and log tail', async (t) => {
  // Moto's Lambda never reports a function error or a log tail, so the launcher's answer for one
  // (the problem+json of docs/api.md, as sdk_faults.rs asserts the router produces it) is served
  // in place of moto's for this one request: what is under test is how the page presents it.
  const page = await newPage(t, { allow: [/status of 502/] });
  await devSignIn(page, 'olivia');
  await page.getByRole('link', { name: 'report-weekly' }).click();
  await page.getByRole('button', { name: 'Run', exact: true }).waitFor();
  const failed = {
    mode: 'sync', status_code: 200, request_id: 'c0ffee00-0000-4000-8000-000000000001', duration_ms: 1234,
    function_error: 'Unhandled', executed_version: '7', log_tail: 'START RequestId: c0ffee00\nERROR week 99 is not a week\nEND',
    payload: { errorMessage: 'week 99 is not a week', errorType: 'ValueError' }, payload_encoding: 'json',
  };
  await page.route((url) => url.pathname.endsWith('/invoke'), (route) => route.fulfill({
    status: 502, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'The function returned an error', status: 502, code: 'function_error', detail: 'The function ran and returned an error.', result: failed }),
  }), { times: 1 });
  await page.getByLabel('Payload (JSON)').fill('{"week": 99}');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran and failed (Unhandled).' }).waitFor();
  const result = await page.locator('#result').innerText();
  assert.match(result, /Function error\s+Unhandled/);
  assert.match(result, /Executed version\s+7/);
  assert.match(result, /Duration\s+1234 ms/);
  assert.equal(await page.locator('#result-log').innerText(), failed.log_tail);
  assert.deepEqual(JSON.parse(await page.locator('#result-payload').innerText()), failed.payload);
  await shot(page, '04b-function-error');

  // A replay whose first answer was too large to keep says so instead of showing a result.
  await page.route((url) => url.pathname.endsWith('/invoke'), (route) => route.fulfill({
    status: 200, contentType: 'application/json', headers: { 'Idempotent-Replayed': 'true' },
    body: JSON.stringify({ ...failed, function_error: null, payload: null, payload_encoding: 'not_kept' }),
  }), { times: 1 });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-payload').filter({ hasText: 'too large to keep' }).waitFor();
  assert.match(await page.locator('#result').innerText(), /Replayed\s+yes/);
});

test('a run without a settled answer is resent with the same Idempotency-Key; an answered one is not', async (t) => {
  const page = await newPage(t, { allow: [/ERR_FAILED|ERR_INTERNET_DISCONNECTED|Failed to fetch/, /status of 409/] });
  await devSignIn(page, 'olivia');
  const sent = invokeRequests(page);
  await page.getByRole('link', { name: 'report-weekly' }).click();
  await page.getByRole('button', { name: 'Run', exact: true }).waitFor();
  await page.getByLabel('Payload (JSON)').fill('{"week": 51}');
  // The first attempt is lost on the way (no HTTP answer at all).
  await page.route((url) => url.pathname.endsWith('/invoke'), (route) => route.abort('failed'), { times: 1 });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'No answer from the launcher' }).waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  // The same run clicked again after an answer is a new run with a new key.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  // Still in flight (409) settles nothing either: the next click asks again under the same key.
  await page.route((url) => url.pathname.endsWith('/invoke'), (route) => route.fulfill({
    status: 409, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, code: 'idempotency_in_flight', detail: 'still running' }),
  }), { times: 1 });
  await page.getByLabel('Payload (JSON)').fill('{"week": 52}');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'idempotency_in_flight' }).waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  const keys = sent.map((r) => r.headers()['idempotency-key']);
  assert.equal(keys.length, 5);
  assert.ok(keys.every(Boolean));
  assert.equal(keys[1], keys[0], 'the unanswered run is resent under its own key');
  assert.notEqual(keys[2], keys[1], 'an answered run is not replayed on the next click');
  assert.notEqual(keys[3], keys[2], 'another payload is another run');
  assert.equal(keys[4], keys[3], 'a run still in flight is asked about again, not run again');
});

test('a preset runs with one click', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  await page.goto(`${BASE}/#/functions/prod/us-east-1/report-daily`);
  await page.getByRole('button', { name: 'Run preset yesterday' }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  assert.match(await page.locator('#result h2').innerText(), /preset yesterday/);
  assert.deepEqual(JSON.parse(await page.locator('#result-payload').innerText()), { date: '2026-12-02' });
  // Operators may not save or delete presets: the form is not there (and the API refuses).
  assert.equal(await page.locator('#save-preset').count(), 0);
  assert.equal(await page.getByRole('button', { name: /Delete preset/ }).count(), 0);
  await shot(page, '04-preset-run');
  if (process.env.UPDATE_DOCS_SCREENSHOT) copyFileSync(join(ARTIFACTS, '04-preset-run.png'), process.env.UPDATE_DOCS_SCREENSHOT);
});

test('an invalid payload is refused before anything is sent', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  const sent = invokeRequests(page);
  await page.goto(`${BASE}/#/functions/prod/us-east-1/report-weekly`);
  await page.getByLabel('Payload (JSON)').fill('{"week": ');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#payload-error').filter({ hasText: 'not valid JSON' }).waitFor();
  assert.equal(sent.length, 0);
  await shot(page, '05-invalid-json');

  // With an input schema: a form, and the schema checked in the page before sending.
  await page.goto(`${BASE}/#/functions/prod/us-east-1/report-daily`);
  await page.getByRole('group', { name: /Input form/ }).waitFor();
  await page.getByLabel(/^Date/).fill('yesterday');
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue()), { date: 'yesterday' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#payload-error').filter({ hasText: '/date must match the pattern' }).waitFor();
  assert.equal(sent.length, 0);
  await shot(page, '06-schema-form');
  // Filled in correctly, it runs.
  await page.getByLabel(/^Date/).fill('2026-12-01');
  await page.getByLabel('Draft').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  assert.deepEqual(JSON.parse(await page.locator('#result-payload').innerText()), { date: '2026-12-01', draft: true });
  assert.equal(sent.length, 1);

  // Editor and form are one payload: typing in the editor fills the form, and a form field
  // changes only its own member (nothing typed by hand is lost).
  await page.getByLabel('Payload (JSON)').fill('{"date": "2026-11-30", "note": "by hand"}');
  assert.equal(await page.getByLabel(/^Date/).inputValue(), '2026-11-30');
  assert.equal(await page.getByLabel('Draft').isChecked(), false);
  await page.getByLabel('Draft').check();
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue()), { date: '2026-11-30', note: 'by hand', draft: true });
  await page.getByLabel(/^Date/).fill('');
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue()), { note: 'by hand', draft: true });
});

test('a function whose input schema is stored in the launcher gets its form and its checks too', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  const sent = invokeRequests(page);
  await page.goto(`${BASE}/#/functions/analytics/us-east-1/report-monthly`);
  await page.getByRole('group', { name: /Input form/ }).waitFor();
  await page.getByLabel(/^Month/).fill('November');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#payload-error').filter({ hasText: '/month must match the pattern' }).waitFor();
  assert.equal(sent.length, 0);
  await page.getByLabel(/^Month/).fill('2026-11');
  await page.getByLabel(/^Currency/).selectOption({ label: 'EUR' });
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue()), { month: '2026-11', currency: 'EUR' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  assert.equal(sent.length, 1);
});

test('a hidden function cannot be reached by typing its URL: the same answer as a missing one', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  await page.goto(`${BASE}/#/functions/prod/us-east-1/db-migrate`);
  await page.locator('#not-found').waitFor();
  const hidden = await page.locator('main').innerText();
  await shot(page, '07-hidden-function');
  await page.goto(`${BASE}/#/functions/prod/us-east-1/no-such-function`);
  await page.reload();
  await page.locator('#not-found').waitFor();
  assert.equal(await page.locator('main').innerText(), hidden);
  assert.match(hidden, /Function not found/);
  // The view-only function shows no run buttons, and the server refuses a run anyway.
  await page.goto(`${BASE}/#/functions/prod/us-east-1/billing-close`);
  await page.getByText('You may view this function but not run it.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).count(), 0);
  const status = await page.evaluate(async () => (await fetch('/functions/prod/us-east-1/billing-close/invoke', {
    method: 'POST', headers: { Authorization: `Bearer ${sessionStorage.getItem('launcher.token')}` }, body: '{}',
  })).status);
  assert.equal(status, 403);
});

test('history: an operator sees only their own runs, a tenant admin everyone\'s', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'olivia');
  await page.getByRole('link', { name: 'History' }).click();
  await page.locator('#history').waitFor();
  const who = await page.locator('#history tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(who.length > 0);
  assert.deepEqual([...new Set(who)], ['olivia@acme']);
  await shot(page, '08-history-olivia');

  const admin = await newPage(t);
  await devSignIn(admin, 'alice');
  await admin.goto(`${BASE}/#/history`);
  await admin.locator('#history').waitFor();
  const subjects = new Set(await admin.locator('#history tbody tr td:nth-child(2)').allInnerTexts());
  assert.ok(subjects.has('olivia@acme') && subjects.has('alice@acme'), [...subjects].join());
  await shot(admin, '09-history-alice');

  // More than a page of records: the older ones come a page at a time, newest first throughout.
  const status = await admin.evaluate(async () => {
    const auth = { Authorization: `Bearer ${sessionStorage.getItem('launcher.token')}` };
    const codes = [];
    for (let i = 0; i < 51; i += 1) {
      codes.push((await fetch('/functions/prod/us-east-1/report-weekly/invoke?mode=dry-run', { method: 'POST', headers: auth, body: '{}' })).status);
    }
    return codes;
  });
  assert.deepEqual([...new Set(status)], [200]);
  await admin.reload();
  await admin.locator('#history').waitFor();
  assert.equal(await admin.locator('#history tbody tr').count(), 50);
  await admin.getByRole('button', { name: 'Show older records' }).click();
  await admin.waitForFunction(() => document.querySelectorAll('#history tbody tr').length > 50);
  const times = await admin.locator('#history tbody tr time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
  const ms = times.map((at) => Date.parse(at));
  assert.ok(ms.every((m, i) => Number.isFinite(m) && (i === 0 || m <= ms[i - 1])), 'newest first across pages');
});

test('a tenant admin saves and deletes a preset; async is offered where allowed', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'alice');
  assert.ok((await listedNames(page)).includes('db-migrate'), 'admins see everything');
  await page.goto(`${BASE}/#/functions/prod/us-east-1/hello-world`);
  await page.getByRole('button', { name: 'Run async' }).waitFor();
  await page.getByLabel('Preset name').waitFor();
  await assertLabelled(page);
  await page.getByLabel(/^Name/).fill('Ada');
  await page.getByLabel('Preset name').fill('greet-ada');
  await page.getByLabel('Description').fill('Says hello to Ada');
  await page.getByRole('button', { name: 'Save preset' }).click();
  await page.getByRole('button', { name: 'Run preset greet-ada' }).waitFor();
  await page.getByRole('button', { name: 'Load preset greet-ada into the editor' }).click();
  assert.deepEqual(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue()), { name: 'Ada' });
  await page.getByRole('button', { name: 'Run preset greet-ada' }).click();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  await shot(page, '10-admin-presets');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete preset greet-ada' }).click();
  await page.getByRole('button', { name: 'Run preset greet-ada' }).waitFor({ state: 'detached' });
  // Async: accepted, runs in the background.
  await page.getByRole('button', { name: 'Run async' }).click();
  await page.locator('#result-summary').filter({ hasText: 'Accepted' }).waitFor();
});

test('another tenant\'s admin sees none of acme\'s functions, even by URL', async (t) => {
  const page = await newPage(t);
  await devSignIn(page, 'mallory');
  assert.deepEqual(await listedNames(page), []);
  await page.goto(`${BASE}/#/functions/prod/us-east-1/hello-world`);
  await page.locator('#not-found').waitFor();
});

test('organization sign-in: authorization code with PKCE against the issuer, state and nonce checked', async (t) => {
  const page = await newPage(t);
  await page.goto(`${BASE}/#/functions/prod/us-east-1/report-weekly`);
  await page.getByRole('button', { name: 'Sign in with your organization' }).click();
  // Back from the provider, signed in, on the page the user asked for, without the code in the URL.
  await page.getByRole('heading', { name: 'report-weekly', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.match(await page.locator('#who-name').innerText(), /olivia@acme/);
  assert.deepEqual(idpLog.slice(-3), ['GET /.well-known/openid-configuration', 'GET /authorize', 'POST /token']);
  assert.equal(codes.size, 0, 'the code was exchanged once');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('launcher.token')), null);

  // A forged answer (unknown state) is refused and signs nobody in.
  await page.goto(`${BASE}/?code=stolen&state=forged#/functions`);
  await page.getByText(/does not match this browser session/).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('launcher.token')), null);
});

test('organization sign-in: a wrong state, issuer or nonce from the provider signs nobody in', async (t) => {
  const cases = [
    // [what the provider gets wrong, the page's message, whether the code reaches the token endpoint]
    ['state', /does not match this browser session \(state\)/, false],
    ['iss', /comes from another identity provider \(iss\)/, false],
    ['no-iss', /comes from another identity provider \(iss\)/, false],
    ['issuer', /discovery document names another issuer/, false],
    ['nonce', /does not carry this sign-in's nonce/, true],
  ];
  t.after(() => { tamper = null; });
  for (const [wrong, message, exchanged] of cases) {
    const page = await newPage(t);
    await page.goto(`${BASE}/#/functions`);
    tamper = wrong;
    const before = idpLog.length;
    await page.getByRole('button', { name: 'Sign in with your organization' }).click();
    await page.getByText(message).waitFor();
    tamper = null;
    assert.equal(await page.evaluate(() => sessionStorage.getItem('launcher.token')), null, wrong);
    assert.equal(idpLog.slice(before).includes('POST /token'), exchanged, wrong);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  }
});
