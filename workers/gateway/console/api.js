// api.js: every call the console makes goes through call(): JSON in and out, the
// session cookie (same origin, HttpOnly: the page never sees it), and every refusal as
// an ApiError carrying the server's Korean message. A 401 anywhere means the session
// ended: the handler set by onUnauthorized shows the login again.

let unauthorized = () => {};

export function onUnauthorized(fn) {
  unauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message_ko || (status ? `서버 오류 (${status})` : '서버에 연결할 수 없습니다'));
    this.status = status;
    this.code = e.code || (status ? '' : 'network');
    this.field = e.field || null;
    this.en = e.message_en || '';
    this.details = Array.isArray(e.details) ? e.details : [];
    this.body = body;
  }

  // This server has no such route (yet): the console says so instead of failing.
  get missingRoute() {
    return (this.status === 404 && this.code === 'not_found' && /path/.test(this.en)) ||
      this.status === 405 || this.status === 501;
  }
}

// The query string of params, leaving out empty values.
export function query(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function call(method, path, body, headers) {
  const opts = {method, credentials: 'same-origin', cache: 'no-store',
    headers: {Accept: 'application/json', ...(headers || {})}};
  if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, null);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (res.status === 401 && path !== '/v1/session') unauthorized();
  if (!res.ok) throw new ApiError(res.status, json);
  return {status: res.status, json, headers: res.headers};
}

export const get = (path, params) => call('GET', query(path, params)).then((r) => r.json);
export const post = (path, body, headers) => call('POST', path, body, headers).then((r) => r.json);
export const put = (path, body) => call('PUT', path, body).then((r) => r.json);
export const del = (path) => call('DELETE', path).then((r) => r.json);

// A key for Idempotency-Key and the intake's "id": a retry of the same form is the same
// case. crypto.randomUUID needs a secure context; getRandomValues does not.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'c_' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Lists answer {"items": [...], "next": cursor|null}; some answer a bare array or name
// the array after what it holds: take whichever is there.
export function items(json, ...names) {
  if (Array.isArray(json)) return json;
  for (const n of ['items', ...names]) if (json && Array.isArray(json[n])) return json[n];
  return [];
}
