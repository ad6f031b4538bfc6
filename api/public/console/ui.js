// What the console's screens share beyond ../dom.js: problems and results as notices, a screen's heading, a link
// to an order, and the timers that refresh a screen while it is shown (stopped on every navigation).
import { h } from '../dom.js';
import { signOut } from './api.js';

let timers = [];

/** Stops every screen's timers (main.js, on each navigation and on signing out). */
export function stopTimers() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
}
/** Runs `task` every `ms` while the tab is visible, until the next navigation. */
export function every(ms, task) {
  timers.push(setInterval(() => document.visibilityState === 'visible' && task(), ms));
}

/** A problem+json answer in words: status, title, detail, and the fields it names. */
export function describe(problem, action) {
  const body = problem.body ?? {};
  const heading = [problem.status || '', body.title].filter(Boolean).join(' ') || 'Error';
  const fields = (body.errors ?? []).filter((error) => error.message !== body.detail);
  return [
    h('strong', {}, action ? [`${action} failed`, h('span', { class: 'sep' }, '·'), heading] : heading),
    body.detail ? h('span', { class: 'detail' }, body.detail) : null,
    fields.length
      ? h(
          'ul',
          {},
          fields.map((error) => h('li', {}, h('code', {}, error.path), ': ', error.message)),
        )
      : null,
  ];
}

export function notice(kind, ...content) {
  return h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { notice: kind } },
    ...content,
  );
}

/** A rejected key signs out (and answers null); any other problem becomes an error notice. */
export function problemNotice(problem, action) {
  if (problem.status === 401) {
    signOut('Your key is no longer accepted. Sign in again.');
    return null;
  }
  return notice('error', ...describe(problem, action));
}

/** A screen's title and hint, with its buttons on the right. */
export function pageHead(title, hint, ...buttons) {
  return h(
    'div',
    { class: 'page-head' },
    h('div', {}, h('h1', {}, title), h('p', { class: 'muted' }, hint)),
    h('div', { class: 'actions' }, buttons),
  );
}

/** An order's id linking to its page; a dash without one. */
export const orderLink = (orderId) =>
  orderId
    ? h('a', { href: `#order/${encodeURIComponent(orderId)}`, class: 'mono', dataset: { orderLink: orderId } }, orderId)
    : '—';
