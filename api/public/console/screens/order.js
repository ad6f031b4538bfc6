// The order page (#order/<id>): its head and links, why it is where it is, the lines, shipments with carrier events,
// totals, payments, invoices and credit notes (PDF downloads), returns, the customer's emails, the webhook deliveries
// (admins) and the timeline. Its actions and their forms are in order-actions.js (returns: order-returns.js), the
// webhook deliveries card in order-webhooks.js.
import { badge, calendarDate, dateTime, h, money, mount, toneBadge, words } from '../../dom.js';
import { Problem, api, apiKey, can, customerOf, productNames, signOut } from '../api.js';
import { lastList } from '../layout.js';
import { redraw } from '../keyboard.js';
import { describe, every, notice } from '../ui.js';
import { TERMINAL, orderActions, refundable } from './order-actions.js';
import { returnsCard } from './order-returns.js';
import { orderDeliveries } from './order-webhooks.js';

/** Who made a change (`{type, id?, role?}`) in words; null when there is no actor (older timeline entries). */
function actorLabel(actor) {
  if (!actor || typeof actor !== 'object' || !actor.type) return null;
  if (actor.type === 'api_key')
    return [actor.role ? `${actor.role} key` : 'API key', actor.id].filter(Boolean).join(' ');
  if (actor.type === 'carrier_signature') return 'carrier (signed request)';
  if (actor.type === 'system') return actor.id ? `system (${actor.id})` : 'system';
  return [words(actor.type), actor.id, actor.role].filter(Boolean).join(' ');
}

/** The page of order `orderId` in `content`, reloaded every 3 s while it moves and nobody is typing or reading. */
export function showOrder(content, orderId) {
  mount(content, h('p', { class: 'empty' }, 'Loading order…'));

  let order;
  let history;
  let customer;
  let names = new Map();
  let emails = null; // the order's customer emails (support and admin), or the Problem that kept them away
  let shownEmail = null; // the email opened below the list: {id} while loading, then with its bodies or a problem
  let pdfProblem = null; // why the last PDF download failed

  /** What the actions (order-actions.js) share with the rest of the page. */
  const page = {
    content,
    get order() {
      return order;
    },
    get names() {
      return names;
    },
    load,
    render,
    message: null, // the last action's result or problem, kept across refreshes
    openForm: null, // the action whose form is open: refreshes wait until it is closed
    formElement: null, // kept across renders, so what was typed survives an error
    busy: false,
  };
  const actionsCard = orderActions(page);
  const deliveries = orderDeliveries(page, orderId); // null for keys that are not admins'

  async function load() {
    try {
      [order, history, emails] = await Promise.all([
        api('GET', `/v1/orders/${encodeURIComponent(orderId)}`),
        api('GET', `/v1/orders/${encodeURIComponent(orderId)}/history`),
        // The emails are extra: a problem reading them shows in their card, not instead of the order.
        can.support
          ? api('GET', `/v1/notifications?orderId=${encodeURIComponent(orderId)}&limit=200`).then(
              (list) => list.items,
              (problem) => problem,
            )
          : null,
        deliveries?.load(),
      ]);
      [customer, names] = await Promise.all([customerOf(order.customerId), productNames()]);
      render();
    } catch (problem) {
      if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
      mount(content, backLink(), notice('error', ...describe(problem)));
    }
  }

  function backLink() {
    return h('a', { href: lastList.hash }, `← ${lastList.title}`);
  }

  function render() {
    if (!order) return;
    const currency = order.currency;

    const head = h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'body' },
        h(
          'div',
          { class: 'order-head' },
          h('h1', { class: 'mono' }, order.id),
          badge(order.status, 'large'),
          h('span', { class: `priority p${order.priority}`, title: 'Priority (1 highest)' }, `P${order.priority}`),
        ),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'Customer ', h('b', {}, customer?.name ?? order.customerId), ` (${order.customerId})`),
          h('span', {}, 'Placed ', h('b', {}, dateTime(order.createdAt))),
          h('span', {}, 'Total ', h('b', {}, money(order.totals.total ?? order.total, currency))),
          h('span', {}, 'Payment ', h('b', {}, order.payment.method)),
          h('span', {}, 'Backorders ', h('b', {}, words(order.backorderPolicy))),
          h(
            'span',
            {},
            'Promised ',
            h('b', {}, order.promisedDeliveryDate ? calendarDate(order.promisedDeliveryDate) : '—'),
          ),
        ),
        h(
          'div',
          { class: 'facts links' },
          history?.temporalUiUrl
            ? h(
                'a',
                {
                  href: history.temporalUiUrl,
                  target: '_blank',
                  rel: 'noopener noreferrer',
                  dataset: { link: 'temporal' },
                },
                'Workflow history in Temporal UI ↗',
              )
            : null,
          h(
            'a',
            {
              href: `/track/${encodeURIComponent(order.trackingNumber)}`,
              target: '_blank',
              rel: 'noopener noreferrer',
              dataset: { link: 'tracking' },
            },
            'Customer tracking page ↗',
          ),
          can.admin
            ? h(
                'a',
                { href: `#audit/${encodeURIComponent(order.id)}`, dataset: { link: 'audit' } },
                'Audit log of this order',
              )
            : null,
          h('button', { type: 'button', class: 'link', onclick: () => load() }, 'Reload'),
        ),
      ),
    );

    const exceptions = order.shipments.filter((shipment) => shipment.status === 'exception');
    const alerts = [
      statusNotice(),
      exceptions.length
        ? notice(
            'error',
            h('strong', {}, 'Carrier exception'),
            h(
              'ul',
              { class: 'reasons' },
              exceptions.map((shipment) =>
                h(
                  'li',
                  {},
                  `${shipment.id}: ${shipment.events.filter((event) => event.status === 'exception').at(-1)?.detail ?? 'no detail given'}`,
                ),
              ),
            ),
          )
        : null,
    ];

    const actions = actionsCard();

    // Reloaded every 3 s while the order moves: the focus stays on the control it was on.
    redraw(
      content,
      backLink(),
      head,
      page.message,
      alerts,
      actions,
      linesCard(names),
      h('div', { class: 'grid-2' }, shipmentsCard(), totalsCard()),
      paymentsCard(),
      invoicesCard(),
      returnsCard(order),
      emailsCard(),
      deliveries?.card(),
      timelineCard(),
    );
  }

  /** Why the order is where it is, for the statuses whose reasons still hold. */
  function statusNotice() {
    const reasons = order.statusReasons?.length
      ? h(
          'ul',
          { class: 'reasons' },
          order.statusReasons.map((reason) => h('li', {}, reason)),
        )
      : null;
    if (order.status === 'AWAITING_APPROVAL') return notice('info', h('strong', {}, 'Needs approval because'), reasons);
    if (order.status === 'ON_HOLD')
      return notice(
        'error',
        h('strong', { class: 'hold-reason' }, `On hold: ${order.holdReason ?? 'no reason given'}`),
        h(
          'span',
          { class: 'held-from' },
          order.heldFrom ? ['It stopped at ', badge(order.heldFrom), '. '] : null,
          'Release it to go on from there, or cancel it.',
        ),
      );
    if (order.status === 'BACKORDERED' || order.status === 'PARTIALLY_SHIPPED')
      return reasons && notice('info', h('strong', {}, 'Waiting for stock'), reasons);
    if (order.status === 'REJECTED')
      return notice('error', h('strong', {}, `Rejected: ${words(order.rejectReason)}`), reasons);
    if (order.status === 'CANCELLED')
      return notice(
        order.cancelReason === 'requested' ? 'info' : 'error',
        h('strong', {}, `Cancelled: ${words(order.cancelReason)}`),
        reasons,
      );
    return null;
  }

  function linesCard(names) {
    const quantity = (value, name) =>
      h('td', { class: 'num', dataset: { qty: name } }, value ? String(value) : h('span', { class: 'muted' }, '0'));
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Lines')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Item',
              'Qty',
              'Approved',
              'Reserved',
              'Shipped',
              'Delivered',
              'Returned',
              'Cancelled',
              'Unit',
              'Total',
            ].map((title, index) => h('th', { class: index ? 'num' : '' }, title)),
          ),
        ),
        h(
          'tbody',
          {},
          order.lines.map((line) =>
            h(
              'tr',
              { dataset: { line: line.sku } },
              h(
                'td',
                {},
                h('div', { class: 'mono' }, line.sku),
                h('div', { class: 'muted' }, names.get(line.sku) ?? ''),
              ),
              quantity(line.quantity, 'ordered'),
              quantity(line.approvedQuantity, 'approved'),
              quantity(line.reservedQuantity, 'reserved'),
              quantity(line.shippedQuantity, 'shipped'),
              quantity(line.deliveredQuantity, 'delivered'),
              quantity(line.returnedQuantity, 'returned'),
              quantity(line.cancelledQuantity, 'cancelled'),
              h('td', { class: 'num' }, money(line.unitPrice, order.currency)),
              h('td', { class: 'num' }, money(line.total, order.currency)),
            ),
          ),
        ),
      ),
    );
  }

  function totalsCard() {
    const t = order.totals;
    const row = (label, value, cls = '') => [
      h('span', { class: cls }, label),
      h('span', { class: `num ${cls}` }, money(value, order.currency)),
    ];
    const sum = (kind) =>
      order.payments
        .filter((payment) => payment.kind === kind && payment.status === 'succeeded')
        .reduce((total, payment) => total + Number(payment.amount), 0);
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Totals')),
      h(
        'div',
        { class: 'body totals' },
        row('Subtotal', t.subtotal),
        t.discount ? row('Discount', -t.discount) : null,
        row('Shipping', t.shipping),
        row('Tax', t.tax),
        row('Total', t.total, 'sum'),
        order.payment.method === 'card'
          ? [
              row('Authorized', sum('authorization'), 'muted'),
              row('Captured', sum('capture'), 'muted'),
              row('Refunded', sum('refund'), 'muted'),
            ]
          : null,
        row('Refundable', refundable(order), 'muted'),
      ),
    );
  }

  const PAYMENT_TONES = { succeeded: 'done', pending: 'wait', failed: 'bad', declined: 'bad' };

  /** Authorizations, captures, voids and refunds, oldest first. */
  function paymentsCard() {
    return h(
      'div',
      { class: 'card', id: 'payments' },
      h('header', {}, h('h2', {}, 'Payments'), h('span', { class: 'muted' }, `${order.payments.length}`)),
      order.payments.length === 0
        ? h(
            'p',
            { class: 'empty' },
            order.payment.method === 'invoice' ? 'Paid by invoice (net 30): see the invoices.' : 'No payments yet.',
          )
        : h(
            'table',
            { class: 'payments' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Kind', 'Amount', 'Status', 'Provider', 'When'].map((title, index) =>
                  h('th', { class: index === 1 ? 'num' : '' }, title),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              order.payments.map((payment) =>
                h(
                  'tr',
                  { dataset: { paymentKind: payment.kind } },
                  h(
                    'td',
                    {},
                    words(payment.kind),
                    payment.shipmentId ? h('div', { class: 'muted mono' }, payment.shipmentId) : null,
                  ),
                  h('td', { class: 'num' }, money(payment.amount, payment.currency)),
                  h(
                    'td',
                    {},
                    toneBadge(payment.status, PAYMENT_TONES[payment.status]),
                    payment.detail ? h('div', { class: 'muted' }, payment.detail) : null,
                  ),
                  h('td', {}, payment.provider),
                  h('td', {}, dateTime(payment.createdAt)),
                ),
              ),
            ),
          ),
    );
  }

  /**
   * Fetches an invoice's PDF with the key (a plain link cannot send it) and downloads it from a Blob URL.
   * A refusal shows in the invoices card.
   */
  async function downloadPdf(number, button) {
    button.disabled = true;
    try {
      let response;
      try {
        response = await fetch(`/v1/invoices/${encodeURIComponent(number)}.pdf`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
      } catch (error) {
        throw new Problem(0, { title: 'Network error', detail: `the API could not be reached (${error.message})` });
      }
      if (!response.ok) {
        const type = response.headers.get('content-type') || '';
        throw new Problem(response.status, type.includes('json') ? await response.json() : await response.text());
      }
      const url = URL.createObjectURL(await response.blob());
      const link = h('a', { href: url, download: `${number}.pdf`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      pdfProblem = null;
    } catch (problem) {
      if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
      pdfProblem = problem;
      render();
    } finally {
      button.disabled = false;
    }
  }

  /** Invoices and credit notes, each with its PDF. */
  function invoicesCard() {
    return h(
      'div',
      { class: 'card', id: 'invoices' },
      h(
        'header',
        {},
        h('h2', {}, 'Invoices and credit notes'),
        h('span', { class: 'muted' }, `${order.invoices.length}`),
      ),
      pdfProblem ? h('div', { class: 'body' }, notice('error', ...describe(pdfProblem, 'Downloading the PDF'))) : null,
      order.invoices.length === 0
        ? h('p', { class: 'empty' }, 'None yet: an invoice is issued per shipment, a credit note per refund.')
        : h(
            'table',
            { class: 'invoices' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Number', 'Kind', 'Total', 'Status', ''].map((title, index) =>
                  h('th', { class: index === 2 ? 'num' : '' }, title),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              order.invoices.map((invoice) =>
                h(
                  'tr',
                  { dataset: { invoice: invoice.number } },
                  h('td', { class: 'mono' }, invoice.number),
                  h('td', {}, words(invoice.kind)),
                  h('td', { class: 'num' }, money(invoice.total, invoice.currency)),
                  h('td', {}, words(invoice.status)),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'ghost',
                        dataset: { pdf: invoice.number },
                        'aria-label': `Download ${invoice.number} as PDF`,
                        onclick: (event) => downloadPdf(invoice.number, event.currentTarget),
                      },
                      'PDF',
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  function shipmentsCard() {
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Shipments'), h('span', { class: 'muted' }, `${order.shipments.length}`)),
      order.shipments.length === 0
        ? h('p', { class: 'empty' }, 'No shipments yet.')
        : h(
            'div',
            { class: 'body shipments' },
            order.shipments.map((shipment) =>
              h(
                'div',
                { class: `shipment ${shipment.status}`, dataset: { shipmentId: shipment.id } },
                h(
                  'div',
                  { class: 'top' },
                  h(
                    'div',
                    {},
                    h('b', { class: 'mono' }, shipment.id),
                    h('span', { class: 'muted' }, ` · from ${shipment.warehouse}`),
                    shipment.carrier
                      ? h('span', { class: 'muted' }, ` · ${shipment.carrier} ${words(shipment.service)}`)
                      : null,
                    shipment.carrierTrackingNumber
                      ? h('span', { class: 'muted' }, ' · ', h('code', {}, shipment.carrierTrackingNumber))
                      : null,
                  ),
                  badge(shipment.status),
                ),
                h(
                  'div',
                  { class: 'muted' },
                  shipment.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', '),
                  shipment.pickList ? ` · pick list ${shipment.pickList.id} (${shipment.pickList.status})` : '',
                ),
                shipment.events.length
                  ? h(
                      'ul',
                      { class: 'events' },
                      shipment.events.map((event) =>
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
    );
  }

  const EMAIL_TONES = { pending: 'wait', sent: 'done', failed: 'bad' };

  async function openEmail(id) {
    if (shownEmail?.id === id) shownEmail = null;
    else {
      shownEmail = { id };
      render();
      try {
        shownEmail = await api('GET', `/v1/notifications/${encodeURIComponent(id)}`);
      } catch (problem) {
        if (problem.status === 401) return signOut('Your key is no longer accepted. Sign in again.');
        if (shownEmail?.id === id) shownEmail = { id, problem };
      }
    }
    render();
  }

  /** The customer's emails about this order (support and admin only), and the one opened with its bodies. */
  function emailsCard() {
    if (!can.support || emails === null) return null;
    const list =
      emails instanceof Problem
        ? h('div', { class: 'body' }, notice('error', ...describe(emails, 'Reading the emails')))
        : emails.length === 0
          ? h('p', { class: 'empty' }, 'No emails about this order yet.')
          : h(
              'table',
              { class: 'emails' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Template', 'To', 'Subject', 'Status', 'Sent', 'Error'].map((title) => h('th', {}, title)),
                ),
              ),
              h(
                'tbody',
                {},
                emails.map((email) =>
                  h(
                    'tr',
                    {
                      class: `link ${shownEmail?.id === email.id ? 'open' : ''}`.trim(),
                      dataset: { notificationId: email.id },
                      onclick: () => openEmail(email.id),
                    },
                    // A control for the keyboard: its click reaches the row's.
                    h('td', {}, h('button', { type: 'button', class: 'link' }, words(email.template))),
                    h('td', { class: 'mono' }, email.to),
                    h('td', {}, email.subject ?? h('span', { class: 'muted' }, 'not rendered yet')),
                    h(
                      'td',
                      {},
                      toneBadge(email.status, EMAIL_TONES[email.status]),
                      email.status === 'pending' && email.attempts
                        ? h('div', { class: 'muted' }, `${email.attempts} attempts`)
                        : null,
                    ),
                    h('td', {}, dateTime(email.sentAt)),
                    h('td', { class: 'error' }, email.error ?? ''),
                  ),
                ),
              ),
            );
    return h(
      'div',
      { class: 'card', id: 'emails' },
      h(
        'header',
        {},
        h('h2', {}, 'Customer emails'),
        h('span', { class: 'muted' }, Array.isArray(emails) ? `${emails.length} · click one to read it` : ''),
      ),
      list,
      emailPreview(),
    );
  }

  function emailPreview() {
    if (!shownEmail) return null;
    if (shownEmail.problem)
      return h('div', { class: 'body' }, notice('error', ...describe(shownEmail.problem, 'Opening the email')));
    if (!('to' in shownEmail)) return h('p', { class: 'empty' }, 'Loading the email…');
    const email = shownEmail;
    return h(
      'div',
      { class: 'body email', dataset: { email: email.id } },
      h(
        'div',
        { class: 'email-head' },
        h(
          'div',
          {},
          h('b', {}, email.subject ?? '(no subject yet)'),
          h('div', { class: 'muted' }, `To ${email.to} · ${words(email.template)} · ${email.status}`),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            onclick: () => {
              shownEmail = null;
              render();
            },
          },
          'Close',
        ),
      ),
      h(
        'div',
        { class: 'email-bodies' },
        h(
          'section',
          {},
          h('h3', {}, 'Text'),
          email.text === null
            ? h('p', { class: 'muted' }, 'No text body.')
            : h('pre', { class: 'email-text' }, email.text),
        ),
        h(
          'section',
          {},
          h('h3', {}, 'HTML'),
          email.html === null
            ? h('p', { class: 'muted' }, 'No HTML body.')
            : // The message's own HTML, in a sandbox with no scripts, forms or same-origin access (an opaque origin),
              // under this page's Content-Security-Policy: nothing from outside loads.
              h('iframe', {
                class: 'email-html',
                sandbox: true,
                referrerpolicy: 'no-referrer',
                title: `HTML body of ${email.subject ?? 'the email'}`,
                srcdoc: email.html,
              }),
        ),
      ),
    );
  }

  function timelineCard() {
    const events = history?.timeline ?? order.timeline;
    return h(
      'div',
      { class: 'card' },
      h('header', {}, h('h2', {}, 'Timeline'), h('span', { class: 'muted' }, 'oldest first')),
      h(
        'ol',
        { class: 'timeline' },
        events.map((event) =>
          h(
            'li',
            { class: event.type },
            h('time', {}, dateTime(event.at)),
            h(
              'div',
              {},
              h('span', { class: 'type' }, words(event.type)),
              event.message,
              // Entries caused by a request name who made it; the order's own steps (a bare system actor) do not.
              event.actor && (event.actor.type !== 'system' || event.actor.id)
                ? h('span', { class: 'actor' }, actorLabel(event.actor))
                : null,
            ),
          ),
        ),
      ),
    );
  }

  load();
  // Follow the workflow while it moves; a person typing in a form is never interrupted.
  // Reading an email pauses it too: a new render would reload its frame.
  every(
    3_000,
    () => order && !page.openForm && !shownEmail && !page.busy && !TERMINAL.includes(order.status) && load(),
  );
}
