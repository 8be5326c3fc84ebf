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

function startIdp() {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url, ISSUER);
      const cors = { 'Access-Control-Allow-Origin': BASE };
      idpLog.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
        res.end(JSON.stringify({ issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`,
          code_challenge_methods_supported: ['S256'], response_types_supported: ['code'] }));
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
        res.writeHead(302, { Location: `${p.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(p.get('state'))}` });
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
          id_token: jwt({ ...user, iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 600, nonce: grant.nonce }),
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
async function newPage(t) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  t.after(async () => {
    await page.close();
    // A 4xx the test provoked is logged by Chromium as a failed resource; nothing else may be.
    const unexpected = errors.filter((e) => !/status of (403|404|422)/.test(e));
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
  // A double click runs once: the button is disabled while the run is in flight.
  await page.getByRole('button', { name: 'Run', exact: true }).dblclick();
  await page.locator('#result-summary').filter({ hasText: 'The function ran.' }).waitFor();
  const result = await page.locator('#result').innerText();
  assert.match(result, /Status\s+200/);
  assert.match(result, /Function error\s+none/);
  // Moto's Lambda reports no executed version (Lambda says $LATEST or the version number).
  assert.match(result, /Executed version\s+(\$LATEST|\d+|—)/);
  assert.match(result, /Duration\s+\d+ ms/);
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
