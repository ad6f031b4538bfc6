import { toOpenApiPath } from './route-table';

/**
 * The pure half of the audit log (api/audit.ts records): what a request changed, read from its route pattern,
 * path, body and answer alone, so any route added later is described without changes here.
 */

export const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `POST` + `/v1/orders/:id/cancel` → the operationId `cancelOrder` when documented, else `POST /v1/orders/:id/cancel`. */
export function auditAction(method: string, pattern: string, operationIds: ReadonlyMap<string, string>): string {
  return operationIds.get(`${method.toUpperCase()} ${toOpenApiPath(pattern)}`) ?? `${method.toUpperCase()} ${pattern}`;
}

/**
 * The path's parameters by the route pattern: `/v1/returns/:id/receive` and `/v1/returns/ORD-1%2Freturn-1/receive`
 * give `{id: 'ORD-1/return-1'}`. Read from the path, not `req.params`, which the routers reset on their way out.
 */
export function pathParams(pattern: string, path: string): Record<string, string> {
  const names = pattern.split('/');
  const values = path.replace(/(.)\/$/, '$1').split('/');
  if (names.length !== values.length) return {};
  const params: Record<string, string> = {};
  names.forEach((name, index) => {
    const match = /^:(\w+)(.*)$/.exec(name);
    if (!match) return;
    const [, key, suffix] = match;
    let raw = values[index];
    if (suffix && raw.endsWith(suffix)) raw = raw.slice(0, -suffix.length);
    try {
      params[key] = decodeURIComponent(raw);
    } catch {
      params[key] = raw;
    }
  });
  return params;
}

export interface AuditTarget {
  /** The resource the path names, singular: `order`, `product`, `pick_list`, `inventory`, `webhook`, ... */
  type: string | null;
  id: string | null;
}

/** `pick-lists` → `pick_list`, `deliveries` → `delivery`, `inventory` stays. */
const singular = (segment: string): string =>
  segment
    .replace(/-/g, '_')
    .replace(/ies$/, 'y')
    .replace(/([^s])s$/, '$1');

/** The fields that name a resource in a body, most specific first. */
const ID_FIELDS = ['id', 'sku', 'code', 'number'] as const;

function idIn(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  for (const field of ID_FIELDS) {
    const id = (value as Record<string, unknown>)[field];
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return null;
}

/**
 * The first resource of the path and its id: `/v1/orders/:id/cancel` is the order `:id` (its sub-resources too:
 * `/v1/webhooks/:id/deliveries/...` is the webhook). Without an id in the path (a creation, a stock receipt),
 * the id is the answer's (`id`, `sku`, `code` or `number`), else the request body's; a batch has none.
 */
export function auditTarget(
  pattern: string,
  params: Record<string, string>,
  result: unknown,
  body: unknown,
): AuditTarget {
  const [, resource, next] = pattern.split('/').filter(Boolean); // ['v1', resource, ...]
  if (!resource || resource.startsWith(':')) return { type: null, id: null };
  const type = singular(resource);
  const param = next && /^:(\w+)/.exec(next)?.[1];
  if (param) return { type, id: params[param] ?? null };
  return { type, id: idIn(result) ?? idIn(body) };
}

/** The order an answer names (`orderId`), for targets the database cannot tie to an order. */
export function orderIdIn(result: unknown): string | undefined {
  const orderId = result && typeof result === 'object' ? (result as Record<string, unknown>).orderId : undefined;
  return typeof orderId === 'string' ? orderId : undefined;
}

// Fields dropped wherever they are (the API's keys, payment tokens, webhook secrets, passwords).
const SECRET_FIELD = /secret|token|password|passphrase|credential|authorization|signature|key/i;
// Personal data is masked (the change is recorded, not the value), as the logger does.
const PERSONAL_FIELD = /^(email|address|shippingAddress|billingAddress|phone)$/i;

export const DETAIL_LIMITS = { depth: 5, stringLength: 200, items: 10, keys: 40, bytes: 8192 } as const;

// PostgreSQL's jsonb refuses NUL and lone surrogates: a detail must never be why an audit row is lost.
// eslint-disable-next-line no-control-regex -- NUL is exactly the character removed
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storable = (text: string): string => text.replace(UNSTORABLE, '\uFFFD');
// Credentials inside a URL (a webhook's `https://user:pass@host/?token=...`) are secrets too.
const URL_SECRETS = [
  { pattern: /(\/\/)[^/@\s]+@/g, replacement: '$1***@' },
  { pattern: /([?&][^=&#\s]*(?:secret|token|password|key|signature)[^=&#\s]*=)[^&#\s]*/gi, replacement: '$1***' },
];
const withoutUrlSecrets = (text: string): string =>
  URL_SECRETS.reduce((masked, { pattern, replacement }) => masked.replace(pattern, replacement), text);

/**
 * A request or answer as the audit log keeps it: secrets dropped, personal data masked, and bounded (long
 * strings cut, long lists and objects shortened, deep nesting summarized). Undefined for what JSON leaves out.
 */
export function redacted(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const masked = withoutUrlSecrets(value);
    return storable(
      masked.length > DETAIL_LIMITS.stringLength ? `${masked.slice(0, DETAIL_LIMITS.stringLength)}…` : masked,
    );
  }
  if (Array.isArray(value)) {
    if (depth >= DETAIL_LIMITS.depth) return `[${value.length} items]`;
    const kept = value.slice(0, DETAIL_LIMITS.items).map((item) => redacted(item, depth + 1) ?? null);
    return value.length > DETAIL_LIMITS.items ? [...kept, `… ${value.length - DETAIL_LIMITS.items} more`] : kept;
  }
  if (typeof value === 'object') {
    if (depth >= DETAIL_LIMITS.depth) return '{…}';
    const entries = Object.entries(value as Record<string, unknown>).filter(([key]) => !SECRET_FIELD.test(key));
    const kept: Record<string, unknown> = {};
    for (const [key, item] of entries.slice(0, DETAIL_LIMITS.keys)) {
      const shown = PERSONAL_FIELD.test(key) ? '[redacted]' : redacted(item, depth + 1);
      if (shown !== undefined) kept[storable(key)] = shown;
    }
    if (entries.length > DETAIL_LIMITS.keys) kept['…'] = `${entries.length - DETAIL_LIMITS.keys} more fields`;
    return kept;
  }
  return undefined;
}

/** The answer's own fields (`status`, `id`, `duplicate`, ...), not the nested records it may repeat. */
function scalarsOf(result: unknown): Record<string, unknown> | undefined {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const scalars = Object.fromEntries(
    Object.entries(result as Record<string, unknown>).filter(
      ([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value),
    ),
  );
  return Object.keys(scalars).length ? (redacted(scalars) as Record<string, unknown>) : undefined;
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);

/**
 * The row's `detail`: the request body (a CSV body by its size only), the path parameters when there is more
 * than the target's id, the answer's own fields, and whether it was an idempotent replay. At most
 * DETAIL_LIMITS.bytes of JSON: past that the body is summarized by its size. Null when there is nothing to say.
 */
export function auditDetail(parts: {
  body: unknown;
  params: Record<string, string>;
  result: unknown;
  replayed?: boolean;
}): Record<string, unknown> | null {
  const detail: Record<string, unknown> = {};
  const body =
    typeof parts.body === 'string' ? { bytes: Buffer.byteLength(parts.body) } : (redacted(parts.body) ?? undefined);
  if (!isEmpty(body)) detail.body = body;
  if (Object.keys(parts.params).length > 1) detail.params = redacted(parts.params);
  const result = scalarsOf(parts.result);
  if (result) detail.result = result;
  if (parts.replayed) detail.replayed = true;
  if (detail.body !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(detail));
    if (bytes > DETAIL_LIMITS.bytes)
      detail.body = { truncated: true, bytes: Buffer.byteLength(JSON.stringify(parts.body) ?? '') };
  }
  return Object.keys(detail).length ? detail : null;
}
