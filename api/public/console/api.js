// The console's line to /v1: the signed-in key (kept in the tab's sessionStorage), the fetch wrapper and its
// Problem, reads cached for the page's life, what the key's role may do (`can`, from GET /v1/me), and signing out.

const KEY_STORAGE = 'oms.console.apiKey';
const NO_ACCESS = { admin: false, support: false, edit: false, warehouse: false };

/** The key every request is sent with; null when signed out. */
export let apiKey = sessionStorage.getItem(KEY_STORAGE);
/** What the key may do beyond reading orders (loadAccess). */
export let can = NO_ACCESS;
let accessProbe; // { key, answer }: one probe per key

/** Sends requests with `key` (null: none), without keeping it yet (rememberKey). */
export function useKey(key) {
  apiKey = key;
}

/** Keeps the key in the tab's sessionStorage, so a reload stays signed in. */
export function rememberKey() {
  sessionStorage.setItem(KEY_STORAGE, apiKey);
}

export class Problem extends Error {
  constructor(status, body) {
    super(typeof body === 'object' && body?.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = typeof body === 'object' && body ? body : { title: String(body || ''), status };
  }
}

export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${apiKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new Problem(0, { title: 'Network error', detail: `the API could not be reached (${error.message})` });
  }
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

const cache = new Map();
/** Reads that rarely change (customers, products), fetched once per page load. */
function cached(path) {
  if (!cache.has(path))
    cache.set(
      path,
      api('GET', path).catch(() => undefined),
    );
  return cache.get(path);
}
export const customerOf = (id) => cached(`/v1/customers/${encodeURIComponent(id)}`);
export const productNames = () =>
  cached('/v1/products').then((list) => new Map((list?.items ?? []).map((product) => [product.sku, product.name])));

/**
 * What the key may do beyond reading orders, from its role (`GET /v1/me`). It only decides what to offer: the API
 * still decides every request. A failure other than 401 offers less until the page is loaded again.
 */
async function probeAccess() {
  const me = await api('GET', '/v1/me').catch((problem) => {
    if (problem.status === 401) throw problem;
    return undefined;
  });
  const role = me?.role;
  return {
    admin: role === 'admin',
    support: role === 'admin' || role === 'support',
    edit: role === 'admin' || role === 'support' || role === 'sales',
    warehouse: role === 'admin' || role === 'warehouse',
  };
}

/** Sets `can` for the current key, asking `GET /v1/me` once per key; rejects only when the key is refused (401). */
export async function loadAccess() {
  const key = apiKey;
  if (accessProbe?.key !== key) accessProbe = { key, answer: probeAccess() };
  can = await accessProbe.answer;
}

let whenSignedOut = () => {};
/** What signing out shows next (main.js: the sign-in form). */
export function onSignOut(show) {
  whenSignedOut = show;
}

/** Forgets the key, what it may do and the cached reads, then shows the sign-in form with `message`. */
export function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  apiKey = null;
  can = NO_ACCESS;
  accessProbe = undefined;
  cache.clear();
  whenSignedOut(message);
}
