// The console's entry point (console.html loads it): signing in, and routing by `location.hash` to a screen:
// #queue/<id> (screens/queues.js), #orders?<filters> (screens/orders.js), #order/<id> (screens/order.js),
// #webhooks[/<id>] (screens/webhooks.js, screens/webhook-deliveries.js) and #audit[/<orderId>] (screens/audit.js), the
// admin ones for admin keys only, #warehouse/<pick-lists|stock|ledger> (screens/warehouse.js) for warehouse and
// admin keys, and #reports[/<id>] (screens/reports.js) for any key. An address naming no screen shows the key's
// landing screen (LANDING).
import { h, mount } from '../dom.js';
import { api, apiKey, can, loadAccess, onSignOut, rememberKey, signOut, useKey } from './api.js';
import { installFormKeys } from './keyboard.js';
import { app, clearSession, dropShell, lastList, openScreen, rememberList } from './layout.js';
import { describe, notice, stopTimers } from './ui.js';
import { showAudit } from './screens/audit.js';
import { showOrder } from './screens/order.js';
import { showOrders } from './screens/orders.js';
import { QUEUES, queueById, showQueue } from './screens/queues.js';
import { WAREHOUSE_TABS, showWarehouse } from './screens/warehouse.js';
import { reportById, showReports } from './screens/reports.js';
import { showDeliveries } from './screens/webhook-deliveries.js';
import { showWebhooks } from './screens/webhooks.js';

/**
 * Where each role starts, the screen it uses most (README, console section): approvers their queue, support the
 * orders on hold (what needs a person now), the warehouse its pick lists, carriers the shipments in trouble, sales
 * and admins every order. A key whose role is unknown (GET /v1/me failed) starts at the first queue.
 */
const LANDING = {
  admin: { hash: '#orders', title: 'Orders' },
  sales: { hash: '#orders', title: 'Orders' },
  approver: queueLanding('approval'),
  support: queueLanding('held'),
  warehouse: { hash: `#warehouse/${WAREHOUSE_TABS[0].id}`, title: WAREHOUSE_TABS[0].title },
  carrier: queueLanding('exceptions'),
};
function queueLanding(queueId) {
  const queue = queueById(queueId);
  return { hash: `#queue/${queue.id}`, title: queue.title };
}

onSignOut((message) => {
  // Signing out leaves the screen too, so the next key lands on its own; a key refused (a message) keeps the address
  // to come back to once signed in again.
  if (!message) history.replaceState(null, '', location.pathname + location.search);
  dropShell();
  stopTimers();
  showSignIn(message);
});

/** The sign-in form: a key is kept only once `GET /v1/orders` accepts it. */
function showSignIn(message) {
  clearSession();
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    required: true,
    placeholder: 'Paste your API key',
    'aria-label': 'API key',
  });
  const error = h('div', { class: 'notice error', role: 'alert', hidden: !message }, message ?? '');
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'body',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        useKey(input.value.trim());
        try {
          await api('GET', '/v1/orders?limit=1');
          rememberKey();
          route();
        } catch (problem) {
          useKey(null);
          mount(
            error,
            problem.status === 401 ? 'This key was not accepted. Check it and try again.' : describe(problem),
          );
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'p',
      { class: 'muted' },
      "Sign in with your OMS API key. It stays in this browser tab only (session storage) and is sent to this server's API, nothing else.",
    ),
    h('label', {}, 'API key', input),
    error,
    submit,
  );
  mount(app, h('section', { class: 'card signin' }, h('header', {}, h('h2', {}, 'Sign in')), form));
  input.focus();
}

/** Shows the screen the address names, once the key's role is known; a refused key signs out. */
async function route() {
  if (!apiKey) {
    stopTimers();
    return showSignIn();
  }
  const key = apiKey;
  try {
    await loadAccess();
  } catch {
    // Only a 401 gets here (any other failure offers less).
    if (apiKey === key) signOut('Your key is no longer accepted. Sign in again.');
    return;
  }
  if (apiKey !== key) return; // signed out (or in again) meanwhile
  stopTimers();
  const start = LANDING[can.role] ?? queueLanding(QUEUES[0].id);
  // An order opened first links back to the key's landing screen.
  if (!lastList.hash) rememberList(start.hash, start.title);
  // No screen named: the landing one, in the address too (a reload or a bookmark shows it again).
  if (!location.hash.replace(/^#\/?/, '')) history.replaceState(null, '', start.hash);
  const [kind, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const argument = decodeURIComponent(rest.join('/'));
  if (kind === 'order' && argument) return showOrder(openScreen(null, argument), argument);
  if (kind.split('?')[0] === 'orders') {
    rememberList(location.hash, 'Orders');
    return showOrders(openScreen('orders', 'Orders'), location.hash);
  }
  if (kind === 'webhooks')
    return adminScreen('webhooks', argument ? 'Delivery log' : 'Webhooks', (content) =>
      argument ? showDeliveries(content, argument) : showWebhooks(content),
    );
  if (kind === 'warehouse') return showWarehouse(argument);
  if (kind === 'reports') {
    const report = reportById(argument);
    rememberList(`#reports/${report.id}`, report.title);
    return showReports(openScreen('reports', report.title), report);
  }
  if (kind === 'audit') return adminScreen('audit', 'Audit log', (content) => showAudit(content, argument));
  if (kind === 'queue') return queueScreen(argument);
  location.replace(start.hash); // an address the console does not know
}

/** A queue (the first one for an unknown id), remembered for the back link of the orders opened from it. */
function queueScreen(queueId) {
  const queue = queueById(queueId);
  rememberList(`#queue/${queue.id}`, queue.title);
  showQueue(openScreen(queue.id, queue.title), queue);
}

/** An admin screen, or a note that the key may not see it (the API would answer 403 anyway). */
function adminScreen(id, title, show) {
  const content = openScreen(id, title);
  if (!can.admin)
    return mount(
      content,
      notice(
        'info',
        h('strong', {}, `${title}: for admins only`),
        h('span', {}, 'Sign in with an admin key to see it.'),
      ),
    );
  rememberList(location.hash, title);
  show(content);
}

installFormKeys();
window.addEventListener('hashchange', route);
route();
