// The queues screen: the orders waiting for someone (each queue a filter of GET /v1/orders), one queue's list with
// paging, and the queues' counts in the sidebar.
import { badge, dateTime, h, money, mount, timeAgo, words } from '../../dom.js';
import { api, customerOf, signOut } from '../api.js';
import { redraw } from '../keyboard.js';
import { describe, every, notice } from '../ui.js';

/** Orders that stopped without anyone deciding it (a person's rejection or cancellation is not a failure). */
const FAILURE_REASONS = [
  'invalid',
  'approval_timeout',
  'payment_declined',
  'backorder_expired',
  'unavailable',
  'hold_expired',
];

export const QUEUES = [
  {
    id: 'approval',
    title: 'Awaiting approval',
    query: 'status=AWAITING_APPROVAL',
    hint: 'Orders beyond a customer or product limit. Highest priority first, then oldest.',
  },
  {
    id: 'held',
    title: 'On hold',
    query: 'status=ON_HOLD',
    hint: 'Orders stopped by support, a risk rule, or a step that failed for good (the reason says which). Release one to go on where it stopped, or cancel it.',
  },
  {
    id: 'backordered',
    title: 'Backordered',
    query: 'status=BACKORDERED',
    hint: 'Orders waiting for stock. Stock receipts resume them; you can resume one by hand.',
  },
  {
    id: 'exceptions',
    title: 'Carrier exceptions',
    query: 'shipmentStatus=exception,lost',
    hint: 'Orders with a shipment whose carrier reported an exception, or that was not delivered in time (lost).',
  },
  {
    id: 'failed',
    title: 'Failed',
    query: `reason=${FAILURE_REASONS.join(',')}`,
    hint: 'Rejected or cancelled without a person deciding it: invalid, approval timed out, payment declined, stock unavailable, backorder expired, hold not released in time.',
  },
];

/** A queue by its id; the first one for an unknown id. */
export function queueById(queueId) {
  return QUEUES.find((candidate) => candidate.id === queueId) ?? QUEUES[0];
}

/** Each queue's count in the sidebar (layout.js), up to 50 (then "50+"); a rejected key signs out. */
export async function refreshCounts() {
  await Promise.all(
    QUEUES.map(async (queue) => {
      const target = document.querySelector(`.sidebar [data-count="${queue.id}"]`);
      if (!target) return;
      try {
        const page = await api('GET', `/v1/orders?${queue.query}&limit=50`);
        const count = page.items.length;
        mount(target, page.nextCursor ? `${count}+` : String(count));
        target.classList.toggle('hot', count > 0);
      } catch (problem) {
        if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
        mount(target, '!');
      }
    }),
  );
}

/** One queue's orders in `content`, 50 at a time; refreshed every 15 s while only the first page is shown. */
export function showQueue(content, queue) {
  const holder = h('div', { class: 'card' }, h('p', { class: 'empty' }, 'Loading…'));
  mount(
    content,
    h(
      'div',
      { class: 'page-head' },
      h('div', {}, h('h1', {}, queue.title), h('p', { class: 'muted' }, queue.hint)),
      h(
        'div',
        { class: 'actions' },
        // The same queue in the orders list (screens/orders.js): search, CSV export, bulk actions.
        h(
          'a',
          { class: 'button', href: `#orders?${new URLSearchParams(queue.query)}`, dataset: { inList: queue.id } },
          'Open in the orders list',
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              load();
              refreshCounts();
            },
          },
          'Refresh',
        ),
      ),
    ),
    holder,
  );

  let items = [];
  let cursor = null;
  async function load(more = false) {
    try {
      const page = await api(
        'GET',
        `/v1/orders?${queue.query}&limit=50${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      await render();
    } catch (problem) {
      if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
      redraw(holder, h('div', { class: 'body' }, notice('error', ...describe(problem))));
    }
  }

  async function render() {
    if (items.length === 0) return redraw(holder, h('p', { class: 'empty' }, 'Nothing needs attention here.'));
    const customers = new Map(
      await Promise.all(
        [...new Set(items.map((order) => order.customerId))].map(async (id) => [id, (await customerOf(id))?.name]),
      ),
    );
    const failed = queue.id === 'failed';
    // Refreshed every 15 s: the focus stays on the row it was on.
    redraw(
      holder,
      h(
        'table',
        { class: 'queue', dataset: { queue: queue.id } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Order'),
            h('th', {}, 'Customer'),
            h('th', {}, 'Priority'),
            h('th', { class: 'num' }, 'Total'),
            h('th', {}, 'Status'),
            failed ? h('th', {}, 'Reason') : null,
            h('th', {}, 'Placed'),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((order) =>
            h(
              'tr',
              {
                class: 'link',
                dataset: { orderId: order.id },
                onclick: () => (location.hash = `#order/${encodeURIComponent(order.id)}`),
              },
              h('td', {}, h('a', { href: `#order/${encodeURIComponent(order.id)}`, class: 'mono' }, order.id)),
              h(
                'td',
                {},
                customers.get(order.customerId) ?? order.customerId,
                h('div', { class: 'muted mono' }, order.customerId),
              ),
              h('td', {}, h('span', { class: `priority p${order.priority}` }, `P${order.priority}`)),
              h('td', { class: 'num' }, money(order.total, order.currency)),
              h('td', {}, badge(order.status)),
              failed
                ? h(
                    'td',
                    {},
                    words(order.rejectReason ?? order.cancelReason),
                    (order.statusReasons ?? []).map((reason) => h('div', { class: 'muted' }, reason)),
                  )
                : null,
              h('td', { title: dateTime(order.createdAt) }, timeAgo(order.createdAt)),
            ),
          ),
        ),
      ),
      cursor
        ? h('div', { class: 'body' }, h('button', { type: 'button', onclick: () => load(true) }, 'Load more'))
        : null,
    );
  }

  load();
  every(15_000, () => !cursor && load());
}
