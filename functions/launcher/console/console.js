// Lambda Launcher console: one ES module, no framework, no build step, nothing from elsewhere.
// Everything it shows comes from the authenticated API; the server decides and enforces every
// right, the page only leaves out buttons the API says the caller may not use.

const TOKEN_KEY = 'launcher.token';
const OIDC_KEY = 'launcher.oidc';
const main = document.getElementById('main');
const announcer = document.getElementById('announce');
let config = { dev_sign_in: false };
let functionsCache = null;

// ---- small DOM helpers (text only: nothing from the API is ever parsed as HTML) ----

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Each route change starts a new generation; a slower, older render never paints over a newer one.
let generation = 0;

function show(g, title, ...content) {
  if (g !== generation) return;
  document.title = `${title} · Lambda Launcher`;
  main.replaceChildren(...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  main.focus();
}

function announce(text) {
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 30);
}

// ---- tokens: session storage only (gone with the tab), never a cookie ----

function b64urlDecode(part) {
  const text = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The claims of a token, for display only (the server verifies the token). */
function claims(token) {
  try { return b64urlDecode(token.split('.')[1]); } catch { return {}; }
}

function token() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) return null;
  const exp = claims(t).exp;
  if (exp && exp * 1000 < Date.now()) { sessionStorage.removeItem(TOKEN_KEY); return null; }
  return t;
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  functionsCache = null;
  location.hash = '#/sign-in';
}

// ---- the API ----

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, { body, headers = {} } = {}) {
  const t = token();
  if (!t) { location.hash = '#/sign-in'; throw new ApiError(401, { code: 'unauthenticated', detail: 'Please sign in.' }); }
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${t}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body,
    cache: 'no-store',
    credentials: 'omit',
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = '#/sign-in';
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return { status: response.status, data, headers: response.headers };
}

const enc = encodeURIComponent;
const fnPath = (f) => `/functions/${enc(f.connection)}/${enc(f.region)}/${enc(f.name)}`;

// ---- sign-in: OIDC authorization code + PKCE (deployed), development sign-in (local only) ----

/** An issuer identifier compared as OpenID Connect compares them, a trailing slash aside. */
const sameIssuer = (a, b) => String(a || '').replace(/\/$/, '') === String(b || '').replace(/\/$/, '');

async function oidcStart() {
  const issuer = config.issuer.replace(/\/$/, '');
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`, { credentials: 'omit' })).json();
  // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
  if (!sameIssuer(discovery.issuer, issuer)) {
    throw new Error('The identity provider\'s discovery document names another issuer. Sign-in stopped.');
  }
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const nonce = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const redirectUri = location.origin + location.pathname;
  sessionStorage.setItem(OIDC_KEY, JSON.stringify({
    verifier, state, nonce, redirectUri, tokenEndpoint: discovery.token_endpoint,
    issRequired: discovery.authorization_response_iss_parameter_supported === true,
    returnTo: location.hash && location.hash !== '#/sign-in' ? location.hash : '#/functions',
  }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: config.client_id, redirect_uri: redirectUri, scope: config.scopes,
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${discovery.authorization_endpoint}?${query}`);
}

/** Completes a sign-in when the identity provider sent the browser back with a code. */
async function oidcFinish() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  const saved = JSON.parse(sessionStorage.getItem(OIDC_KEY) || 'null');
  sessionStorage.removeItem(OIDC_KEY);
  history.replaceState(null, '', location.pathname + (saved?.returnTo || '#/functions'));
  if (params.has('error')) throw new Error(`The identity provider refused the sign-in (${params.get('error')}).`);
  if (!saved || params.get('state') !== saved.state) throw new Error('The sign-in answer does not match this browser session (state). Please sign in again.');
  // RFC 9207: a provider that names itself in the answer (as it must where its discovery
  // document says so) must be the one this sign-in went to.
  if ((params.has('iss') || saved.issRequired) && !sameIssuer(params.get('iss'), config.issuer)) {
    throw new Error('The sign-in answer comes from another identity provider (iss). Please sign in again.');
  }
  const response = await fetch(saved.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    credentials: 'omit',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.get('code'), redirect_uri: saved.redirectUri,
      client_id: config.client_id, code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`The token exchange failed (HTTP ${response.status}).`);
  const tokens = await response.json();
  if (tokens.id_token && claims(tokens.id_token).nonce !== saved.nonce) {
    throw new Error('The ID token does not carry this sign-in\'s nonce. Please sign in again.');
  }
  const chosen = config.token === 'id_token' ? tokens.id_token : tokens.access_token;
  if (!chosen) throw new Error(`The identity provider returned no ${config.token}.`);
  sessionStorage.setItem(TOKEN_KEY, chosen);
  functionsCache = null;
}

async function devSignIn(user, button) {
  button.disabled = true;
  try {
    const response = await fetch('/dev/sign-in', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'omit',
      body: JSON.stringify({ user }),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || `HTTP ${response.status}`);
    sessionStorage.setItem(TOKEN_KEY, data.token);
    functionsCache = null;
    location.hash = '#/functions';
  } catch (e) {
    button.disabled = false;
    announce(`Sign-in failed: ${e.message}`);
  }
}

async function renderSignIn(message) {
  const g = generation;
  const parts = [h('h1', {}, 'Sign in')];
  if (message) parts.push(h('p', { class: 'error', role: 'alert' }, message));
  if (config.issuer && config.client_id) {
    parts.push(h('section', { class: 'panel', 'aria-labelledby': 'oidc-h' },
      h('h2', { id: 'oidc-h' }, 'Your organization'),
      h('p', {}, 'Sign in with your organization\'s identity provider.'),
      h('button', { type: 'button', id: 'oidc-sign-in', onclick: () => oidcStart().catch((e) => renderSignIn(e.message)) },
        'Sign in with your organization')));
  }
  if (config.dev_sign_in) {
    const list = h('div', { class: 'actions' });
    parts.push(h('section', { class: 'panel dev', 'aria-labelledby': 'dev-h' },
      h('h2', { id: 'dev-h' }, 'Development sign-in (local only)'),
      h('p', {}, 'This local server mints a development token for a demo user. A deployed launcher never offers this: there, your identity provider signs you in.'),
      list));
    try {
      const users = await (await fetch('/dev/users', { credentials: 'omit' })).json();
      for (const u of users.users) {
        const label = `Sign in as ${u.user}`;
        const button = h('button', { type: 'button', 'data-user': u.user, onclick: () => devSignIn(u.user, button) }, label);
        list.append(h('div', {}, button, h('span', { class: 'muted' }, ` tenant ${u.tenant}, groups [${u.groups.join(', ')}]`)));
      }
    } catch {
      list.append(h('p', { class: 'error' }, 'The development users could not be read.'));
    }
  }
  if (!(config.issuer && config.client_id) && !config.dev_sign_in) {
    parts.push(h('p', {}, 'This launcher has no console sign-in configured (OIDC client id). Use the API with a token from your identity provider.'));
  }
  show(g, 'Sign in', ...parts);
}

// ---- function list ----

async function loadFunctions() {
  if (functionsCache) return functionsCache;
  const functions = [];
  const errors = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: '200', tags: 'true' });
    if (cursor) query.set('cursor', cursor);
    const { data } = await api('GET', `/functions?${query}`);
    functions.push(...data.functions);
    errors.push(...data.errors);
    cursor = data.next_cursor;
  } while (cursor);
  functionsCache = { functions, errors };
  return functionsCache;
}

function tagList(tags) {
  const entries = Object.entries(tags || {});
  if (!entries.length) return null;
  // The input schema is shown as the form it makes, not as its JSON.
  return h('ul', { class: 'tags', 'aria-label': 'Tags' }, entries.map(([k, v]) => h('li', { class: 'tag', title: `${k}=${v}` },
    k === 'launcher:input-schema' ? 'input form' : `${k}=${v}`)));
}

function rightsText(allowed) {
  const words = [];
  if (allowed.includes('invoke')) words.push('run'); else words.push('view only');
  if (allowed.includes('invoke_async')) words.push('async');
  return words.join(' · ');
}

async function renderList() {
  const g = generation;
  show(g, 'Functions', h('h1', {}, 'Functions'), h('p', { class: 'muted' }, 'Loading…'));
  const { functions, errors } = await loadFunctions();
  const search = h('input', { type: 'search', id: 'search', class: 'search', placeholder: 'name, description or tag', autocomplete: 'off' });
  const results = h('div', { id: 'results' });
  const count = h('p', { class: 'muted', id: 'count', 'aria-live': 'polite' });
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const hits = functions.filter((f) => !q || [f.name, f.description, f.connection, f.region,
      ...Object.entries(f.tags || {}).map(([k, v]) => `${k}=${v}`)].join(' ').toLowerCase().includes(q));
    const groups = new Map();
    for (const f of hits) {
      const key = `${f.connection} · ${f.region}`;
      if (!groups.has(key)) groups.set(key, { f, items: [] });
      groups.get(key).items.push(f);
    }
    results.replaceChildren(...[...groups.entries()].map(([key, g]) => h('section', { class: 'group', 'aria-label': key },
      h('h2', {}, `${g.f.connection} `, h('span', { class: 'muted' }, `(account ${g.f.account_id})`), ` · ${g.f.region}`),
      h('ul', {}, g.items.map((f) => h('li', { 'data-function': f.name },
        h('a', { class: 'fn-name', href: `#${fnPath(f)}` }, f.name),
        h('div', {}, f.description ? h('div', {}, f.description) : h('div', { class: 'muted' }, 'No description'), tagList(f.tags)),
        h('span', { class: 'rights' }, rightsText(f.allowed))))))));
    count.textContent = hits.length === functions.length
      ? `${functions.length} function${functions.length === 1 ? '' : 's'} you may see`
      : `${hits.length} of ${functions.length} functions match`;
  };
  search.addEventListener('input', draw);
  draw();
  const problems = errors.length
    ? h('div', { class: 'panel', role: 'status' }, h('p', { class: 'error' }, 'Some places could not be listed:'),
      h('ul', {}, errors.map((e) => h('li', {}, `${e.connection} · ${e.region}: ${e.code}`))))
    : null;
  show(g, 'Functions', h('h1', {}, 'Functions'),
    h('div', { class: 'field' }, h('label', { for: 'search' }, 'Search functions'), search), count, problems, results);
  if (!functions.length) results.append(h('p', {}, 'No functions are visible to you. A tenant admin grants access in the rules.'));
}

// ---- input schemas: the same subset the server checks (domain/schema.rs) ----

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * The pattern as a JavaScript RegExp, or null where JavaScript's `u` mode cannot read it (the
 * server's regex dialect also takes `(?i)`, `\A`, `\z`, `\x{41}`, …): the page then leaves that
 * one check to the server rather than guess (without `u`, `\A` would silently mean the letter A).
 */
function patternRegExp(pattern) {
  try { return new RegExp(pattern, 'u'); } catch { return null; }
}

function validate(schema, value, pointer = '') {
  if (schema === true || schema === undefined) return null;
  if (schema === false) return { pointer, message: 'no value is allowed here' };
  const fits = (t) => t === typeOf(value) || (t === 'number' && typeOf(value) === 'integer');
  if (typeof schema.type === 'string' && !fits(schema.type)) return { pointer, message: `must be of type ${schema.type}, not ${typeOf(value)}` };
  if (Array.isArray(schema.type) && !schema.type.some(fits)) return { pointer, message: `must be one of the types ${schema.type.join(', ')}` };
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return { pointer, message: `must be ${JSON.stringify(schema.const)}` };
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return { pointer, message: `must be one of ${JSON.stringify(schema.enum)}` };
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return { pointer, message: `must be at least ${schema.minimum}` };
    if (schema.maximum !== undefined && value > schema.maximum) return { pointer, message: `must be at most ${schema.maximum}` };
  }
  if (typeof value === 'string') {
    const n = [...value].length;
    if (schema.minLength !== undefined && n < schema.minLength) return { pointer, message: `must be at least ${schema.minLength} characters long` };
    if (schema.maxLength !== undefined && n > schema.maxLength) return { pointer, message: `must be at most ${schema.maxLength} characters long` };
    const re = schema.pattern === undefined ? null : patternRegExp(schema.pattern);
    if (re && !re.test(value)) return { pointer, message: `must match the pattern ${schema.pattern}` };
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return { pointer, message: 'has too few items' };
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return { pointer, message: 'has too many items' };
    for (let i = 0; i < value.length && schema.items !== undefined; i += 1) {
      const v = validate(schema.items, value[i], `${pointer}/${i}`);
      if (v) return v;
    }
  }
  if (typeOf(value) === 'object') {
    const esc = (k) => k.replace(/~/g, '~0').replace(/\//g, '~1');
    for (const r of schema.required || []) if (!own(value, r)) return { pointer: `${pointer}/${esc(r)}`, message: 'is required' };
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties && own(schema.properties, k) ? schema.properties[k] : undefined;
      if (sub !== undefined) { const e = validate(sub, v, `${pointer}/${esc(k)}`); if (e) return e; }
      else if (schema.additionalProperties === false) return { pointer: `${pointer}/${esc(k)}`, message: 'is not an allowed property' };
      else if (typeof schema.additionalProperties === 'object') { const e = validate(schema.additionalProperties, v, `${pointer}/${esc(k)}`); if (e) return e; }
    }
  }
  return null;
}

/** A form for an object schema's properties; `onchange(name, value)` gets each field's member as it changes. */
function schemaForm(schema, onchange) {
  const props = schema && typeof schema === 'object' && schema.properties;
  if (!props || !Object.keys(props).length) return null;
  const required = new Set(schema.required || []);
  const inputs = {};
  // The member a field stands for, or undefined when the field is empty (the member is removed).
  const valueOf = (name) => {
    const { el, sub } = inputs[name];
    const t = Array.isArray(sub.type) ? sub.type[0] : sub.type;
    if (t === 'boolean') return el.checked || required.has(name) ? el.checked : undefined;
    if (el.value === '') return undefined;
    if (Array.isArray(sub.enum)) return sub.enum[Number(el.value)];
    if (t === 'integer' || t === 'number') return Number(el.value);
    if (t === 'object' || t === 'array') { try { return JSON.parse(el.value); } catch { return el.value; } }
    return el.value;
  };
  const fields = Object.entries(props).map(([name, sub], index) => {
    sub = sub && typeof sub === 'object' ? sub : {};
    // By position: property names need not be valid, or distinct, as ids once sanitized.
    const id = `field-${index}`;
    const t = Array.isArray(sub.type) ? sub.type[0] : sub.type;
    let el;
    if (Array.isArray(sub.enum)) {
      el = h('select', { id }, h('option', { value: '' }, '—'), sub.enum.map((v, i) => h('option', { value: String(i) }, typeof v === 'string' ? v : JSON.stringify(v))));
    } else if (t === 'boolean') {
      el = h('input', { id, type: 'checkbox' });
    } else if (t === 'integer' || t === 'number') {
      el = h('input', { id, type: 'number', step: t === 'integer' ? '1' : 'any', min: sub.minimum, max: sub.maximum });
    } else {
      el = h('input', { id, type: 'text', maxlength: sub.maxLength });
    }
    if (required.has(name)) el.setAttribute('aria-required', 'true');
    el.addEventListener('input', () => onchange(name, valueOf(name)));
    el.addEventListener('change', () => onchange(name, valueOf(name)));
    inputs[name] = { el, sub };
    const hint = [sub.description, required.has(name) ? 'required' : null].filter(Boolean).join(' · ');
    return h('div', { class: 'field' },
      h('label', { for: id }, sub.title || name, hint ? h('span', { class: 'hint' }, ` (${hint})`) : null), el);
  });
  return {
    element: h('fieldset', { id: 'schema-form' }, h('legend', {}, 'Input form (from the function\'s input schema)'), fields),
    fill(value) {
      if (typeOf(value) !== 'object') return;
      for (const [name, { el, sub }] of Object.entries(inputs)) {
        const v = value[name];
        if (el.type === 'checkbox') el.checked = v === true;
        else if (Array.isArray(sub.enum)) el.value = v === undefined ? '' : String(sub.enum.findIndex((e) => JSON.stringify(e) === JSON.stringify(v)));
        else el.value = v === undefined ? '' : (typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    },
  };
}

// ---- one function: payload, presets, run ----

function resultView(mode, outcome, replayed) {
  const r = outcome;
  const facts = [
    ['Mode', r.mode || mode],
    ['Status', String(r.status_code ?? '')],
    ['Function error', r.function_error || 'none'],
    ['Executed version', r.executed_version ?? '—'],
    ['Duration', r.duration_ms !== undefined ? `${r.duration_ms} ms` : '—'],
    ['Request id', r.request_id || '—'],
  ];
  if (replayed) facts.push(['Replayed', 'yes: an earlier request with this key answered; nothing ran again']);
  const ok = !r.function_error;
  const payload = r.payload === undefined ? null
    : r.payload_encoding === 'not_kept' ? '(not shown: this answer is a replay, and the first run\'s result was too large to keep)'
      : (r.payload_encoding === 'json' ? JSON.stringify(r.payload, null, 2) : String(r.payload ?? ''));
  return [
    h('p', { class: ok ? 'ok' : 'error', id: 'result-summary' },
      ok ? (mode === 'async' ? 'Accepted: the function runs in the background.' : mode === 'dry-run' ? 'Dry run: the call would be allowed; nothing ran.' : 'The function ran.')
        : `The function ran and failed (${r.function_error}).`),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    payload !== null ? [h('h3', {}, 'Result'), h('pre', { id: 'result-payload', tabindex: '0' }, payload)] : null,
    r.log_tail !== undefined ? [h('h3', {}, 'Log tail'), h('pre', { id: 'result-log', tabindex: '0' }, r.log_tail || '(no log)')] : null,
  ];
}

/** Whether a failed run's answer says for sure what happened (so its key need not be resent). */
function settles(e) {
  if (!(e instanceof ApiError)) return false;
  if (e.status === 409) return false;
  return e.status < 500 || e.problem?.code === 'function_error';
}

function problemView(e) {
  if (!(e instanceof ApiError)) {
    return [h('p', { class: 'error', id: 'result-summary', role: 'alert' },
      `No answer from the launcher (${e.message}): the run may or may not have started. Running the same payload again resends the same Idempotency-Key, so it cannot run twice.`)];
  }
  const p = e.problem || {};
  return [h('p', { class: 'error', id: 'result-summary', role: 'alert' }, `${p.title || 'Error'} (${p.code || e.status}): ${e.message}`),
    p.pointer !== undefined ? h('p', {}, `At ${p.pointer || '(the whole payload)'}`) : null];
}

async function renderFunction(connection, region, name) {
  const g = generation;
  const ref = { connection, region, name };
  show(g, name, h('h1', {}, name), h('p', { class: 'muted' }, 'Loading…'));
  let detail;
  try {
    ({ data: detail } = await api('GET', fnPath(ref)));
  } catch (e) {
    if (e.status === 404) {
      show(g, 'Not found', h('h1', {}, 'Function not found'),
        h('p', { id: 'not-found' }, 'No such function, or you may not see it.'), h('p', {}, h('a', { href: '#/functions' }, 'Back to the functions')));
      return;
    }
    throw e;
  }
  const allowed = detail.allowed || [];
  const schema = detail.input_schema || null;
  const editor = h('textarea', { id: 'payload', spellcheck: 'false', 'aria-describedby': 'payload-help payload-error' }, '{}');
  const payloadError = h('p', { id: 'payload-error', class: 'error', 'aria-live': 'assertive' });
  const result = h('section', { id: 'result', class: 'panel', 'aria-live': 'polite', 'aria-labelledby': 'result-h' },
    h('h2', { id: 'result-h' }, 'Result'), h('p', { class: 'muted' }, 'Nothing run yet.'));
  // A form field changes its own member of the editor's payload and nothing else; typing in the
  // editor fills the form. Editor and form never disagree, and nothing typed is lost.
  const form = schemaForm(schema, (name, value) => {
    let current = {};
    try { current = JSON.parse(editor.value); } catch { /* not JSON yet: start from the form */ }
    if (typeOf(current) !== 'object') current = {};
    if (value === undefined) delete current[name]; else current[name] = value;
    editor.value = JSON.stringify(current, null, 2);
    payloadError.textContent = '';
  });
  const setPayload = (value) => { editor.value = JSON.stringify(value, null, 2); form?.fill(value); payloadError.textContent = ''; };
  editor.addEventListener('input', () => {
    payloadError.textContent = '';
    try { form?.fill(JSON.parse(editor.value)); } catch { /* not JSON yet: the form keeps its values */ }
  });
  let runButtons = [];
  let running = false;
  // The key of a run whose outcome is not settled — no answer at all (network down, connection
  // lost), still in flight (409), or a failure that may have happened after the function started
  // (5xx other than a function error): the same run clicked again resends that key, so it is
  // answered from the first attempt, never run a second time.
  let unsettled = null;

  /** One run: checked first, one Idempotency-Key per click, buttons off while it runs. */
  async function run(mode, { preset, trigger } = {}) {
    if (running) return;
    let body;
    if (!preset) {
      let value;
      try { value = editor.value.trim() === '' ? {} : JSON.parse(editor.value); } catch (e) {
        payloadError.textContent = `The payload is not valid JSON: ${e.message}. Nothing was sent.`;
        editor.focus();
        return;
      }
      if (schema) {
        const v = validate(schema, value);
        if (v) { payloadError.textContent = `The payload does not match the input schema: ${v.pointer || '(the payload)'} ${v.message}. Nothing was sent.`; editor.focus(); return; }
      }
      body = JSON.stringify(value);
    }
    payloadError.textContent = '';
    running = true;
    runButtons = runButtons.filter((b) => b.isConnected);
    runButtons.forEach((b) => { b.disabled = true; });
    const attempt = JSON.stringify([mode, preset || null, body ?? null]);
    const key = unsettled?.attempt === attempt ? unsettled.key : crypto.randomUUID();
    unsettled = null;
    result.replaceChildren(h('h2', { id: 'result-h' }, 'Result'), h('p', { class: 'muted' }, 'Running…'));
    const query = new URLSearchParams({ mode });
    if (preset) query.set('preset', preset);
    try {
      const { data, headers } = await api('POST', `${fnPath(ref)}/invoke?${query}`, {
        body, headers: { 'Idempotency-Key': key },
      });
      result.replaceChildren(h('h2', { id: 'result-h' }, preset ? `Result of preset ${preset}` : 'Result'), ...resultView(mode, data, headers.get('idempotent-replayed') === 'true').flat());
      announce(data.function_error ? 'The function ran and failed.' : 'Run finished.');
    } catch (e) {
      if (!settles(e)) unsettled = { attempt, key };
      const body2 = e.problem?.code === 'function_error' && e.problem.result ? resultView(mode, e.problem.result).flat() : problemView(e);
      result.replaceChildren(h('h2', { id: 'result-h' }, 'Result'), ...body2);
      announce(`Run failed: ${e.message}`);
    } finally {
      running = false;
      runButtons.forEach((b) => { b.disabled = false; });
      // A disabled button drops the keyboard focus: give it back to the button that ran.
      if (trigger?.isConnected && (document.activeElement === document.body || document.activeElement === null)) trigger.focus();
    }
  }

  const runButton = (label, mode, cls) => {
    const b = h('button', { type: 'button', class: cls, 'data-mode': mode, onclick: (ev) => run(mode, { trigger: ev.currentTarget }) }, label);
    runButtons.push(b);
    return b;
  };
  const actions = h('div', { class: 'actions' },
    allowed.includes('invoke') ? runButton('Run', 'sync') : null,
    allowed.includes('invoke_async') ? runButton('Run async', 'async', 'secondary') : null,
    allowed.includes('invoke') ? runButton('Dry run', 'dry-run', 'secondary') : null,
    !allowed.includes('invoke') && !allowed.includes('invoke_async') ? h('p', { class: 'muted' }, 'You may view this function but not run it.') : null);

  // Presets
  const presetList = h('ul', { class: 'presets', id: 'presets' });
  const presetBox = h('section', { class: 'panel', 'aria-labelledby': 'presets-h' }, h('h2', { id: 'presets-h' }, 'Presets'), presetList);
  async function loadPresets() {
    let data;
    try { ({ data } = await api('GET', `${fnPath(ref)}/presets`)); } catch (e) {
      presetList.replaceChildren(h('li', { class: 'error' }, `Presets could not be read: ${e.message}`));
      return;
    }
    presetList.replaceChildren(...(data.presets.length ? data.presets.map((p) => {
      const runIt = allowed.includes('invoke')
        ? h('button', { type: 'button', 'data-preset': p.name, 'aria-label': `Run preset ${p.name}`, onclick: (ev) => run('sync', { preset: p.name, trigger: ev.currentTarget }) }, 'Run')
        : null;
      if (runIt) runIt.disabled = running;
      if (runIt) runButtons.push(runIt);
      return h('li', {},
        h('span', { class: 'name' }, p.name, p.description ? h('span', { class: 'muted' }, ` — ${p.description}`) : null),
        runIt,
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Load preset ${p.name} into the editor`, onclick: () => setPayload(p.payload) }, 'Load'),
        data.can_edit ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete preset ${p.name}`, onclick: async () => {
          if (!confirm(`Delete preset ${p.name}?`)) return;
          try { await api('DELETE', `${fnPath(ref)}/presets/${enc(p.name)}`); announce(`Preset ${p.name} deleted.`); } catch (e) { announce(`Delete failed: ${e.message}`); }
          loadPresets();
        } }, 'Delete') : null);
    }) : [h('li', { class: 'muted' }, 'No presets yet.')]));
    if (data.can_edit && !presetBox.querySelector('#save-preset')) {
      const nameInput = h('input', { id: 'preset-name', type: 'text', maxlength: '64', required: true, autocomplete: 'off' });
      const descInput = h('input', { id: 'preset-description', type: 'text', maxlength: '256' });
      const saveError = h('p', { class: 'error', 'aria-live': 'assertive' });
      presetBox.append(h('form', { id: 'save-preset', onsubmit: async (ev) => {
        ev.preventDefault();
        let payload;
        try { payload = JSON.parse(editor.value || '{}'); } catch { saveError.textContent = 'The payload is not valid JSON.'; return; }
        try {
          await api('PUT', `${fnPath(ref)}/presets/${enc(nameInput.value)}`, { body: JSON.stringify({ payload, description: descInput.value }) });
          saveError.textContent = '';
          announce(`Preset ${nameInput.value} saved.`);
          nameInput.value = ''; descInput.value = '';
          loadPresets();
        } catch (e) { saveError.textContent = `Not saved: ${e.message}`; }
      } },
      h('h3', {}, 'Save the payload as a preset (tenant admins)'),
      h('div', { class: 'field' }, h('label', { for: 'preset-name' }, 'Preset name', h('span', { class: 'hint' }, ' (letters, digits, . _ -)')), nameInput),
      h('div', { class: 'field' }, h('label', { for: 'preset-description' }, 'Description'), descInput),
      h('button', { type: 'submit' }, 'Save preset'), saveError));
    }
  }

  const facts = [
    ['Account', `${detail.connection} (${detail.account_id})`], ['Region', detail.region], ['Runtime', detail.runtime || '—'],
    ['Last modified', detail.last_modified || '—'], ['Memory', detail.memory_mb ? `${detail.memory_mb} MB` : '—'],
    ['Timeout', detail.timeout_seconds ? `${detail.timeout_seconds} s` : '—'], ['Your rights', rightsText(allowed)],
  ];
  show(g, name,
    h('p', {}, h('a', { href: '#/functions' }, '← All functions')),
    h('h1', {}, name),
    h('p', {}, detail.description || h('span', { class: 'muted' }, 'No description')),
    tagList(detail.tags),
    h('div', { class: 'cols' },
      h('div', {},
        h('section', { class: 'panel', 'aria-labelledby': 'input-h' },
          h('h2', { id: 'input-h' }, 'Input'),
          form ? form.element : null,
          h('div', { class: 'field' },
            h('label', { for: 'payload' }, 'Payload (JSON)'),
            h('p', { id: 'payload-help', class: 'hint muted' }, schema ? 'Checked against the function\'s input schema before it is sent.' : 'Checked to be JSON before it is sent.'),
            editor, payloadError),
          actions),
        result),
      h('div', {},
        presetBox,
        h('section', { class: 'panel', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, 'About'),
          h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))))));
  await loadPresets();
}

// ---- history ----

async function renderHistory() {
  const g = generation;
  show(g, 'History', h('h1', {}, 'History'), h('p', { class: 'muted' }, 'Loading…'));
  const { data } = await api('GET', '/audit?limit=50');
  const row = (r) => h('tr', {},
    h('td', { class: 'nowrap' }, h('time', { datetime: r.at }, r.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))),
    h('td', {}, r.subject), h('td', {}, r.action),
    h('td', {}, r.function ? `${r.connection}/${r.region}/${r.function}` : (r.connection || '—')),
    h('td', {}, r.mode || '—'), h('td', {}, r.outcome), h('td', {}, r.status_code ?? '—'),
    h('td', {}, [r.error_code, r.detail].filter(Boolean).join(' · ') || '—'));
  const body = h('tbody', {}, data.records.map(row));
  let cursor = data.next_cursor;
  const more = h('button', { type: 'button', class: 'secondary', id: 'history-more', hidden: !cursor, onclick: async () => {
    more.disabled = true;
    try {
      const { data: page } = await api('GET', `/audit?limit=50&cursor=${enc(cursor)}`);
      body.append(...page.records.map(row));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      announce(`${page.records.length} older records shown.`);
    } catch (e) { announce(`Older records could not be read: ${e.message}`); }
    more.disabled = false;
  } }, 'Show older records');
  show(g, 'History', h('h1', {}, 'History'),
    h('p', { class: 'muted' }, 'The audit trail, newest first: tenant admins see everyone\'s, everyone else their own.'),
    data.records.length ? [h('table', { id: 'history' },
      h('caption', { class: 'visually-hidden' }, 'Recent activity, newest first'),
      h('thead', {}, h('tr', {}, ['Time', 'Who', 'Action', 'Function', 'Mode', 'Outcome', 'Status', 'Note'].map((c) => h('th', { scope: 'col' }, c)))),
      body), more] : h('p', {}, 'No activity yet.'));
}

// ---- routing ----

function header(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  if (signedIn) {
    const c = claims(token());
    document.getElementById('who-name').textContent = `${c.sub || 'signed in'}${c.org_id ? ` · ${c.org_id}` : ''}`;
  }
  const hash = location.hash;
  for (const a of document.querySelectorAll('#nav a')) {
    const current = hash.startsWith(a.getAttribute('href'));
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

async function route() {
  generation += 1;
  const hash = location.hash || '#/functions';
  const signedIn = Boolean(token());
  header(signedIn);
  try {
    if (!signedIn || hash === '#/sign-in') {
      if (signedIn) { location.hash = '#/functions'; return; }
      await renderSignIn();
      return;
    }
    const m = hash.match(/^#\/functions\/([^/]+)\/([^/]+)\/([^/]+)$/);
    if (m) await renderFunction(...m.slice(1).map(decodeURIComponent));
    else if (hash === '#/history') await renderHistory();
    else await renderList();
  } catch (e) {
    if (e.status === 401) return;
    show(generation, 'Error', h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', signOut);
  try {
    config = await (await fetch('/console/config.json', { credentials: 'omit' })).json();
  } catch { /* no sign-in options: the sign-in screen says so */ }
  try {
    await oidcFinish();
  } catch (e) {
    header(false);
    await renderSignIn(e.message);
    window.addEventListener('hashchange', route);
    return;
  }
  window.addEventListener('hashchange', route);
  await route();
}

start();
