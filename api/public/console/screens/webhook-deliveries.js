// One webhook subscription's delivery log (#webhooks/<id>, admins): each delivery with its attempts, a status
// filter and redelivery. An order's page lists its deliveries with the same parts (screens/order-webhooks.js).
import { dateTime, h, toneBadge, words } from '../../dom.js';
import { api } from '../api.js';
import { redraw } from '../keyboard.js';
import { every, notice, orderLink, pageHead, problemNotice } from '../ui.js';

const DELIVERY_TONES = { pending: 'wait', delivered: 'done', failed: 'bad' };

/** An event type that may wrap after a dot (order.<wbr>status_changed), so the log fits beside the sidebar at 1280 px. */
export const breakAfterDots = (name) =>
  name.split('.').flatMap((part, index, parts) => (index < parts.length - 1 ? [`${part}.`, h('wbr')] : [part]));

/** A delivery's status as a badge. */
export const deliveryBadge = (delivery) => toneBadge(delivery.status, DELIVERY_TONES[delivery.status]);

/**
 * Sends `delivery` again (`POST .../redeliver`, with a fresh retry window); answers the notice saying so, or throws
 * the API's problem.
 */
export async function redeliver(delivery) {
  const path = `/v1/webhooks/${encodeURIComponent(delivery.subscriptionId)}/deliveries`;
  await api('POST', `${path}/${encodeURIComponent(delivery.id)}/redeliver`, {});
  return notice(
    'ok',
    h('strong', {}, `Delivery ${delivery.id} goes out again`),
    h('span', {}, `${delivery.eventType} of ${delivery.orderId}, as soon as a dispatcher is free.`),
  );
}

/** One attempt: the receiver's status code (or that none came), how long it took, when, and the error. */
export function attemptItem(attempt) {
  return h(
    'li',
    { dataset: { attempt: attempt.attempt } },
    h(
      'span',
      { class: attempt.statusCode >= 200 && attempt.statusCode < 300 ? 'ok' : 'bad' },
      attempt.statusCode ?? 'no answer',
    ),
    ` · ${attempt.durationMs} ms · `,
    h('time', { title: attempt.at }, dateTime(attempt.at)),
    attempt.error ? h('div', { class: 'error' }, attempt.error) : null,
  );
}

/** The delivery log of subscription `subscriptionId` in `content`, refreshed every 5 s while one page is shown. */
export function showDeliveries(content, subscriptionId) {
  const path = `/v1/webhooks/${encodeURIComponent(subscriptionId)}`;
  let subscription = null;
  let items = null;
  let cursor = null;
  let pages = 0;
  let status = '';
  let message = null;
  let busy = false;

  async function load(more = false) {
    busy = true;
    try {
      const query = new URLSearchParams({ limit: '50' });
      if (status) query.set('status', status);
      if (more && cursor) query.set('cursor', cursor);
      const [read, page] = await Promise.all([api('GET', path), api('GET', `${path}/deliveries?${query}`)]);
      subscription = read;
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      pages = more ? pages + 1 : 1;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    } finally {
      busy = false;
    }
    render();
  }

  async function sendAgain(delivery) {
    for (const button of content.querySelectorAll('button')) button.disabled = true;
    try {
      message = await redeliver(delivery);
    } catch (problem) {
      message = problemNotice(problem, 'Redeliver');
      if (!message) return;
    }
    await load();
  }

  function render() {
    const filter = h(
      'select',
      {
        name: 'status',
        'aria-label': 'Status',
        onchange: (event) => {
          status = event.target.value;
          load();
        },
      },
      ['', 'pending', 'delivered', 'failed'].map((value) =>
        h('option', { value, selected: value === status }, value ? words(value) : 'All statuses'),
      ),
    );
    // Drawn again every 5 s: the focus stays on the control it was on (a Redeliver button, the filter).
    redraw(
      content,
      h('a', { href: '#webhooks' }, '← Webhooks'),
      pageHead(
        'Delivery log',
        subscription
          ? [
              h('span', { class: 'mono' }, subscription.url),
              ` · ${subscription.events.includes('*') ? 'all events' : subscription.events.join(', ')}`,
              subscription.active ? '' : ' · paused: its events wait until it resumes',
            ]
          : subscriptionId,
        filter,
        h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
      ),
      message,
      h('div', { class: 'card' }, table()),
    );
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, message ? 'Nothing to show.' : 'Loading…');
    if (items.length === 0)
      return h('p', { class: 'empty' }, status ? `No ${status} deliveries.` : 'No deliveries yet.');
    return [
      h(
        'table',
        { class: 'deliveries' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Created', 'Event', 'Order', 'Seq', 'Status', 'Attempts', 'Next attempt', ''].map((title) =>
              h('th', { class: title === 'Seq' ? 'num' : '' }, title),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((delivery) =>
            h(
              'tr',
              { dataset: { deliveryId: delivery.id, status: delivery.status } },
              h('td', { title: delivery.createdAt }, dateTime(delivery.createdAt)),
              h(
                'td',
                {},
                h('code', {}, breakAfterDots(delivery.eventType)),
                h('div', { class: 'muted mono event-id' }, delivery.eventId),
              ),
              h('td', {}, orderLink(delivery.orderId)),
              h('td', { class: 'num' }, delivery.sequence),
              h('td', {}, deliveryBadge(delivery)),
              h('td', {}, attempts(delivery.attempts)),
              h(
                'td',
                {},
                delivery.nextAttemptAt
                  ? dateTime(delivery.nextAttemptAt)
                  : delivery.deliveredAt
                    ? h('span', { class: 'muted' }, `delivered ${dateTime(delivery.deliveredAt)}`)
                    : '—',
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  { type: 'button', dataset: { action: 'redeliver' }, onclick: () => sendAgain(delivery) },
                  'Redeliver',
                ),
              ),
            ),
          ),
        ),
      ),
      cursor
        ? h('div', { class: 'body' }, h('button', { type: 'button', onclick: () => load(true) }, 'Load more'))
        : null,
    ];
  }

  function attempts(list) {
    if (!list?.length) return h('span', { class: 'muted' }, 'none yet');
    return h('ol', { class: 'attempts' }, list.map(attemptItem));
  }

  render();
  load();
  // New deliveries and retries show up by themselves while only the first page is loaded.
  every(5_000, () => pages === 1 && !busy && load());
}
