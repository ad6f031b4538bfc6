// Small helpers shared by the console and the tracking page. Data is always inserted as text, never as HTML.

/** Builds an element: h('a', { href, class: 'x', onclick }, 'text', child, [more]). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function mount(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const formatters = new Map();
/** Integer minor units in an ISO 4217 currency, e.g. 1250 USD → $12.50. */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const code = currency || 'USD';
  if (!formatters.has(code))
    formatters.set(code, new Intl.NumberFormat('en-US', { style: 'currency', currency: code }));
  const formatter = formatters.get(code);
  return formatter.format(Number(amount) / 10 ** formatter.resolvedOptions().maximumFractionDigits);
}

/** Major units typed by a person (e.g. "12.5") → minor units, or NaN. */
export function toMinorUnits(text, currency) {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).resolvedOptions()
    .maximumFractionDigits;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return Number.NaN;
  const [whole, fraction = ''] = text.trim().split('.');
  if (fraction.length > digits) return Number.NaN;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

export function dateTime(value) {
  if (!value) return '—';
  return new Date(value).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

/** A calendar date (YYYY-MM-DD) as written, without shifting it through a time zone. */
export function calendarDate(value) {
  if (!value) return '—';
  const [year, month, day] = String(value).slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString('en-US', { dateStyle: 'full', timeZone: 'UTC' });
}

export function timeAgo(value) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(value).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** The colour family of an order or shipment status. */
export function tone(status) {
  switch (String(status).toUpperCase()) {
    case 'AWAITING_APPROVAL':
    case 'BACKORDERED':
    case 'PARTIALLY_SHIPPED':
      return 'wait';
    case 'SHIPPED':
    case 'IN_TRANSIT':
    case 'OUT_FOR_DELIVERY':
      return 'move';
    case 'DELIVERED':
    case 'COMPLETED':
      return 'done';
    case 'REJECTED':
    case 'EXCEPTION':
      return 'bad';
    case 'CANCELLED':
      return 'off';
    default:
      return 'work';
  }
}

export const words = (text) =>
  String(text ?? '')
    .replace(/_/g, ' ')
    .toLowerCase();

export function badge(status, extra = '') {
  return h('span', { class: `badge tone-${tone(status)} ${extra}`.trim(), dataset: { status } }, words(status));
}

/** A badge for a status outside the order's own (a delivery, an email), in the colour family given. */
export function toneBadge(status, family) {
  return h('span', { class: `badge tone-${family ?? 'off'}`, dataset: { status } }, words(status));
}
