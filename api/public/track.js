// The public tracking page: renders GET /v1/track/:trackingNumber, which holds no personal data.
import { badge, calendarDate, dateTime, h, mount, words } from './dom.js';

const STEPS = ['Ordered', 'Preparing', 'Shipped', 'Delivered'];

/** What each order status means to the customer, and how far along the steps it is. */
const STATUS = {
  PENDING: { title: 'Order received', text: 'We are checking your order.', step: 0 },
  AWAITING_APPROVAL: { title: 'Order received', text: 'Your order is being reviewed before we process it.', step: 0 },
  AUTHORIZING: { title: 'Processing payment', text: 'We are confirming your payment.', step: 0 },
  ALLOCATED: { title: 'Being prepared', text: 'Your items are reserved and will be packed soon.', step: 1 },
  PICKING: { title: 'Being prepared', text: 'Your items are being packed in our warehouse.', step: 1 },
  BACKORDERED: {
    title: 'Waiting for stock',
    text: 'Some items are waiting for stock. We ship them as soon as they arrive.',
    step: 1,
  },
  PARTIALLY_SHIPPED: {
    title: 'Partly shipped',
    text: 'Part of your order is on its way; the rest follows as soon as it is in stock.',
    step: 2,
  },
  SHIPPED: { title: 'On its way', text: 'Your order has been handed to the carrier.', step: 2 },
  DELIVERED: { title: 'Delivered', text: 'Your order has been delivered.', step: 3 },
  COMPLETED: { title: 'Delivered', text: 'Your order has been delivered.', step: 3 },
  REJECTED: {
    title: 'Order not accepted',
    text: 'We could not accept this order. Please contact us for details.',
    stopped: true,
    step: 0,
  },
  CANCELLED: {
    title: 'Order cancelled',
    text: 'This order has been cancelled. Anything already charged for items that did not ship is refunded.',
    stopped: true,
    step: 0,
  },
};

const root = document.getElementById('track');
const trackingNumber = decodeURIComponent(location.pathname.replace(/^\/track\//, '').replace(/\/$/, ''));

function lookupForm() {
  const input = h('input', {
    name: 'trackingNumber',
    placeholder: 'TRK-…',
    'aria-label': 'Tracking number',
    required: true,
  });
  return h(
    'div',
    { class: 'card' },
    h(
      'div',
      { class: 'body' },
      h(
        'form',
        {
          class: 'lookup',
          onsubmit: (event) => {
            event.preventDefault();
            location.assign(`/track/${encodeURIComponent(input.value.trim())}`);
          },
        },
        input,
        h('button', { type: 'submit' }, 'Track another order'),
      ),
    ),
  );
}

function render(order) {
  const meaning = STATUS[order.status] ?? { title: words(order.status), text: '', step: 0 };
  document.title = `${meaning.title} · Track your order`;
  const deliveredOrGone = meaning.stopped || meaning.step === 3;
  mount(
    root,
    h(
      'section',
      { class: 'card hero', dataset: { status: order.status } },
      h('div', { class: 'muted' }, 'Tracking number ', h('code', {}, order.trackingNumber)),
      h('h1', { id: 'status' }, meaning.title),
      h('p', { class: 'muted', id: 'status-text' }, meaning.text),
      h(
        'div',
        { class: `steps ${meaning.stopped ? 'stopped' : ''}` },
        STEPS.map((step, index) => h('div', { class: index <= meaning.step ? 'reached' : '' }, step)),
      ),
      !deliveredOrGone && order.promisedDeliveryDate
        ? h(
            'div',
            { class: 'promise', id: 'promised' },
            'Expected by ',
            h('b', {}, calendarDate(order.promisedDeliveryDate)),
          )
        : null,
      h('div', { class: 'muted' }, `Placed ${dateTime(order.placedAt)}`),
    ),
    h(
      'section',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Items')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Item'),
            h('th', { class: 'num' }, 'Ordered'),
            h('th', { class: 'num' }, 'Shipped'),
            h('th', { class: 'num' }, 'Delivered'),
          ),
        ),
        h(
          'tbody',
          {},
          order.items.map((item) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                item.name,
                h('div', { class: 'muted mono' }, item.sku),
                item.cancelledQuantity ? h('div', { class: 'muted' }, `${item.cancelledQuantity} cancelled`) : null,
              ),
              h('td', { class: 'num' }, item.quantity),
              h('td', { class: 'num' }, item.shippedQuantity),
              h('td', { class: 'num' }, item.deliveredQuantity),
            ),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Shipments')),
      order.shipments.length === 0
        ? h('p', { class: 'empty' }, 'Nothing has shipped yet.')
        : h(
            'div',
            { class: 'body shipments' },
            order.shipments.map((shipment, index) =>
              h(
                'div',
                { class: `shipment ${shipment.status}` },
                h(
                  'div',
                  { class: 'top' },
                  h(
                    'div',
                    {},
                    h('b', {}, `Package ${index + 1}`),
                    h('span', { class: 'muted' }, ` · ${shipment.carrier} ${words(shipment.service)} · `),
                    h('code', {}, shipment.carrierTrackingNumber),
                  ),
                  badge(shipment.status),
                ),
                h(
                  'div',
                  { class: 'muted' },
                  `Shipped ${dateTime(shipment.shippedAt)}`,
                  shipment.deliveredAt ? ` · delivered ${dateTime(shipment.deliveredAt)}` : '',
                ),
                shipment.events.length
                  ? h(
                      'ul',
                      { class: 'events' },
                      [...shipment.events]
                        .reverse()
                        .map((event) =>
                          h(
                            'li',
                            {},
                            h('time', {}, dateTime(event.at)),
                            badge(event.status),
                            event.detail ? h('span', {}, event.detail) : null,
                          ),
                        ),
                    )
                  : null,
              ),
            ),
          ),
    ),
    lookupForm(),
    h('footer', {}, 'This page shows no personal details. Keep your tracking number private.'),
  );
}

function notFound(...message) {
  document.title = 'Order not found · Track your order';
  mount(
    root,
    h(
      'section',
      { class: 'card hero', id: 'not-found' },
      h('h1', {}, 'We could not find that order'),
      h('p', { class: 'muted' }, ...message),
    ),
    lookupForm(),
  );
}

async function load() {
  if (!trackingNumber) return notFound('Enter the tracking number from your order confirmation.');
  try {
    const response = await fetch(`/v1/track/${encodeURIComponent(trackingNumber)}`);
    if (response.status === 404)
      return notFound(
        'No order has the tracking number ',
        h('code', {}, trackingNumber),
        '. Check the number in your order confirmation; it starts with TRK-.',
      );
    if (!response.ok) throw new Error(`the tracking service answered ${response.status}`);
    render(await response.json());
  } catch (error) {
    mount(
      root,
      h(
        'section',
        { class: 'card hero' },
        h('h1', {}, 'Tracking is unavailable right now'),
        h('p', { class: 'muted' }, `Please try again in a moment (${error.message}).`),
      ),
      lookupForm(),
    );
  }
}

load();
