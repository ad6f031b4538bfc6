// The page around every screen once signed in: the key and "Sign out" in the top bar, the sidebar (the queues with
// their counts, "Open an order", the admin links) and the content area a screen draws in; where the focus goes
// when a screen opens; and which list an order's back link returns to.
import { h, mount } from '../dom.js';
import { apiKey, can, signOut } from './api.js';
import { focusContent, focusLost, rememberFocus, restoreFocus } from './keyboard.js';
import { QUEUES, refreshCounts } from './screens/queues.js';
import { warehouseNav as warehouseLinks } from './screens/warehouse.js';

export const app = document.getElementById('app');
const sessionBox = document.getElementById('session');
let shell;
let countsTimer;

/** Where an order's back link goes: the list (a queue or an admin screen) opened last; null until one is. */
export const lastList = { hash: null, title: null };
export function rememberList(hash, title) {
  Object.assign(lastList, { hash, title });
}

/** Empties the top bar (main.js: before the sign-in form). */
export function clearSession() {
  mount(sessionBox);
}

/** Forgets the layout (on signing out): the next screen builds it again, for the next key. */
export function dropShell() {
  shell?.skip.remove();
  shell = undefined;
  clearInterval(countsTimer);
  rememberList(null, null); // the next key's orders link back to its own landing screen
}

/**
 * The content area of a screen, with the layout around it, `highlighted` marked in the sidebar, and its title. Once
 * the screen has drawn itself, a focus that went with the old screen goes to its like on the new one (the search box
 * of a list filtered again), else to the screen; a focus in the sidebar stays there.
 */
export function openScreen(highlighted, title) {
  const { content } = ensureShell();
  highlight(highlighted);
  document.title = `${title} · OMS console`;
  const kept = rememberFocus(content);
  queueMicrotask(() => {
    if (focusLost() && !restoreFocus(kept)) focusContent();
  });
  return content;
}

function ensureShell() {
  if (shell) return shell;
  mount(
    sessionBox,
    h('span', {}, 'Signed in with key ', h('code', {}, `…${apiKey.slice(-4)}`)),
    h('button', { class: 'ghost', type: 'button', onclick: () => signOut() }, 'Sign out'),
  );
  const nav = h(
    'nav',
    { class: 'queues', 'aria-label': 'Queues' },
    h('a', { href: '#orders', dataset: { queue: 'orders' } }, h('span', {}, 'All orders')),
    QUEUES.map((queue) =>
      h(
        'a',
        { href: `#queue/${queue.id}`, dataset: { queue: queue.id } },
        h('span', {}, queue.title),
        h('span', { class: 'count', dataset: { count: queue.id } }, '…'),
      ),
    ),
  );
  const adminNav = can.admin
    ? h(
        'nav',
        { class: 'queues', 'aria-label': 'Admin' },
        h('div', { class: 'nav-title' }, 'Admin'),
        h('a', { href: '#webhooks', dataset: { screen: 'webhooks' } }, h('span', {}, 'Webhooks')),
        h('a', { href: '#audit', dataset: { screen: 'audit' } }, h('span', {}, 'Audit log')),
      )
    : null;
  const warehouseNav = can.warehouse ? warehouseLinks() : null;
  // Reports: any key may read them.
  const reportsNav = h(
    'nav',
    { class: 'screen-links', 'aria-label': 'Reports' },
    h('a', { href: '#reports', dataset: { screen: 'reports' } }, h('span', {}, 'Reports')),
  );
  const orderId = h('input', { name: 'orderId', placeholder: 'ORD-…', 'aria-label': 'Order ID', required: true });
  const finder = h(
    'form',
    {
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#order/${encodeURIComponent(orderId.value.trim())}`;
        orderId.value = '';
        focusContent(); // Tab goes on in the order that opens
      },
    },
    orderId,
    h('button', { type: 'submit' }, 'Open'),
  );
  // Focused by script only (tabindex -1): where Tab starts from on a screen just opened.
  const content = h('section', { class: 'content', id: 'content', tabindex: -1, 'aria-label': 'Screen' });
  // The first stop of Tab: past the top bar and the sidebar, straight to the screen.
  const skip = h('button', { type: 'button', class: 'skip-link', onclick: focusContent }, 'Skip to the screen');
  document.body.prepend(skip);
  mount(
    app,
    h(
      'div',
      { class: 'layout' },
      h(
        'aside',
        { class: 'sidebar' },
        h('div', { class: 'card' }, nav),
        h('div', { class: 'card finder' }, h('h3', {}, 'Open an order'), finder),
        warehouseNav ? h('div', { class: 'card' }, warehouseNav) : null,
        h('div', { class: 'card' }, reportsNav),
        adminNav ? h('div', { class: 'card' }, adminNav) : null,
      ),
      content,
    ),
  );
  shell = { nav, adminNav, warehouseNav, reportsNav, content, skip };
  refreshCounts();
  countsTimer = setInterval(() => document.visibilityState === 'visible' && refreshCounts(), 20_000);
  return shell;
}

function highlight(queueId) {
  for (const link of shell.nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.queue === queueId);
  for (const link of [shell.adminNav, shell.warehouseNav, shell.reportsNav].flatMap((nav) => [
    ...(nav?.querySelectorAll('a') ?? []),
  ]))
    link.classList.toggle('active', link.dataset.screen === queueId);
}
