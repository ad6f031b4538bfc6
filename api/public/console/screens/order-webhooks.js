// The order page's "Webhook deliveries" card (admins only; the API answers 403 to other keys): every subscription's
// deliveries of the order's events (`GET /v1/webhooks/deliveries?orderId=`), newest first, each with its last attempt
// and a Redeliver button. screens/order.js loads and shows it; the parts come from screens/webhook-deliveries.js.
import { dateTime, h } from '../../dom.js';
import { api, can } from '../api.js';
import { problemNotice } from '../ui.js';
import { attemptItem, breakAfterDots, deliveryBadge, redeliver } from './webhook-deliveries.js';

const PAGE_SIZE = 50;

/**
 * The card of order `orderId` on the order page `page` (its `render`): `load()` reads the first page again (unless
 * more pages are shown: a refresh would drop them) and `card()` draws it; null for keys that are not admins'.
 */
export function orderDeliveries(page, orderId) {
  if (!can.admin) return null;
  let items = null;
  let cursor = null;
  let pages = 0;
  let problem = null; // why the deliveries could not be read, as a notice
  let message = null; // the last redelivery's result or problem
  let busy = false;
  let holder = null; // the card as drawn last

  async function read(more = false) {
    const query = new URLSearchParams({ orderId, limit: String(PAGE_SIZE) });
    if (more && cursor) query.set('cursor', cursor);
    try {
      const answer = await api('GET', `/v1/webhooks/deliveries?${query}`);
      items = more ? [...items, ...answer.items] : answer.items;
      cursor = answer.nextCursor;
      pages = more ? pages + 1 : 1;
      problem = null;
    } catch (refused) {
      // In the card, not instead of the order (a rejected key signs out).
      problem = problemNotice(refused, 'Reading the deliveries');
    }
  }

  /** Runs a change of the card (redeliver, more, refresh), its buttons off meanwhile, then draws the page. */
  async function run(task) {
    busy = true;
    for (const button of holder?.querySelectorAll('button') ?? []) button.disabled = true;
    try {
      await task();
    } finally {
      busy = false;
      page.render();
    }
  }

  const sendAgain = (delivery) =>
    run(async () => {
      try {
        message = await redeliver(delivery);
      } catch (refused) {
        message = problemNotice(refused, 'Redeliver');
      }
      await read();
    });

  function table() {
    if (problem) return h('div', { class: 'body' }, problem);
    if (items === null) return h('p', { class: 'empty' }, 'Loading…');
    if (items.length === 0)
      return h('p', { class: 'empty' }, 'No deliveries: no subscription listens to the events of this order.');
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
            ['Event', 'Seq', 'Subscription', 'Status', 'Attempts', 'Last attempt', ''].map((title) =>
              h('th', { class: title === 'Seq' || title === 'Attempts' ? 'num' : '' }, title),
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
              h('td', {}, h('code', {}, breakAfterDots(delivery.eventType))),
              h('td', { class: 'num' }, delivery.sequence),
              h(
                'td',
                {},
                h(
                  'a',
                  { href: `#webhooks/${encodeURIComponent(delivery.subscriptionId)}`, class: 'mono url' },
                  delivery.subscriptionUrl,
                ),
                h('div', { class: 'muted mono' }, delivery.subscriptionId),
              ),
              h(
                'td',
                {},
                deliveryBadge(delivery),
                delivery.status === 'pending' && delivery.nextAttemptAt
                  ? h('div', { class: 'muted' }, `next ${dateTime(delivery.nextAttemptAt)}`)
                  : null,
              ),
              h('td', { class: 'num', dataset: { attempts: delivery.attemptCount } }, delivery.attemptCount),
              h(
                'td',
                {},
                delivery.lastAttempt
                  ? h('ul', { class: 'attempts last' }, attemptItem(delivery.lastAttempt))
                  : h('span', { class: 'muted' }, 'none yet'),
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
        ? h(
            'div',
            { class: 'body' },
            h(
              'button',
              { type: 'button', dataset: { more: 'deliveries' }, onclick: () => run(() => read(true)) },
              'Load more',
            ),
          )
        : null,
    ];
  }

  return {
    load: () => (pages > 1 || busy ? undefined : read()),
    card() {
      holder = h(
        'div',
        { class: 'card', id: 'webhook-deliveries' },
        h(
          'header',
          {},
          h('h2', {}, 'Webhook deliveries'),
          h(
            'span',
            { class: 'muted' },
            Array.isArray(items) ? `${items.length}${cursor ? '+' : ''} · newest first` : '',
            ' ',
            h('button', { type: 'button', class: 'ghost', onclick: () => run(() => read()) }, 'Refresh'),
          ),
        ),
        message ? h('div', { class: 'body' }, message) : null,
        table(),
      );
      return holder;
    },
  };
}
