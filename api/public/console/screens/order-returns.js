// Returns on the order page: the returns card (status, lines, what came back and how it was settled), the form
// that opens a return (support) and the one that receives its goods (warehouse). order-actions.js offers the
// forms; screens/order.js shows the card.
import { dateTime, h, mount, toneBadge, words } from '../../dom.js';
import { notice } from '../ui.js';
import { lineUnitsTable } from './line-units.js';

/**
 * Statuses a return may be opened in: the return window follows delivery (an order cancelled after some units
 * shipped keeps one for them). The API answers 409 once the window has closed.
 */
export const RETURNABLE = ['DELIVERED', 'CANCELLED'];

const RETURN_TONES = { AWAITING_RECEIPT: 'wait', RECEIVED: 'move', REFUNDED: 'done', EXCHANGED: 'done', CLOSED: 'off' };

const returnUrl = (id) => `/v1/returns/${encodeURIComponent(id)}`;

/** Units per SKU already on a return (any status: the API counts every return it opened). */
function unitsOnReturns(order) {
  const units = new Map();
  for (const rma of order.returns ?? [])
    for (const line of rma.lines ?? []) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  return units;
}

const linesText = (lines) =>
  (lines ?? [])
    .map((line) => `${line.quantity} × ${line.sku}${line.condition ? ` (${line.condition})` : ''}`)
    .join(', ');

/** The order's returns, newest last; null when it has none. */
export function returnsCard(order) {
  const returns = order.returns ?? [];
  if (!returns.length) return null;
  return h(
    'div',
    { class: 'card', id: 'returns' },
    h('header', {}, h('h2', {}, 'Returns'), h('span', { class: 'muted' }, String(returns.length))),
    h(
      'table',
      { class: 'returns' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Return', 'Status', 'Resolution', 'Lines', 'Received', 'Settled by', 'Reason', 'Opened'].map((title) =>
            h('th', {}, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        returns.map((rma) =>
          h(
            'tr',
            { dataset: { returnId: rma.id } },
            h('td', { class: 'mono' }, rma.id),
            h('td', {}, toneBadge(rma.status, RETURN_TONES[rma.status])),
            h('td', {}, words(rma.resolution)),
            h('td', {}, linesText(rma.lines)),
            h('td', {}, rma.receivedLines ? linesText(rma.receivedLines) : h('span', { class: 'muted' }, '—')),
            h(
              'td',
              {},
              rma.creditNote ? ['credit note ', h('span', { class: 'mono' }, rma.creditNote)] : null,
              rma.replacementShipmentId
                ? ['replacement ', h('span', { class: 'mono' }, rma.replacementShipmentId)]
                : null,
              !rma.creditNote && !rma.replacementShipmentId ? h('span', { class: 'muted' }, '—') : null,
            ),
            h('td', {}, rma.reason ?? ''),
            h('td', {}, dateTime(rma.createdAt)),
          ),
        ),
      ),
    ),
  );
}

/** Opening a return (support): units of shipped lines not already on a return, a reason and the resolution. */
export function returnForm(page, act, closeButton) {
  const order = page.order;
  const onReturns = unitsOnReturns(order);
  const returnable = (line) => Math.max(0, line.shippedQuantity - (onReturns.get(line.sku) ?? 0));
  const units = lineUnitsTable(page, {
    action: 'return',
    columns: [
      ['Shipped', (line) => line.shippedQuantity],
      ['Returnable', returnable],
    ],
    limitOf: returnable,
    tooMany: (line, limit) =>
      `${line.sku}: at most ${limit} units can be returned (${line.shippedQuantity} shipped, ${onReturns.get(line.sku) ?? 0} already on a return)`,
  });
  const resolution = (value, checked) => h('input', { type: 'radio', name: 'resolution', value, checked });
  const refund = resolution('refund', true);
  const exchange = resolution('exchange', false);
  const reason = h('textarea', {
    name: 'reason',
    required: true,
    maxlength: 1000,
    placeholder: 'Why is it coming back?',
  });
  const problem = h('div', { class: 'return-problem' });
  return h(
    'form',
    {
      class: 'action-form',
      dataset: { form: 'return' },
      onsubmit: (event) => {
        event.preventDefault();
        const lines = units.read(problem);
        if (!lines) return;
        mount(problem);
        act(
          'Open return',
          'returns',
          { lines, reason: reason.value.trim(), resolution: exchange.checked ? 'exchange' : 'refund' },
          (answer) => `Return ${answer.id} opened: awaiting the goods.`,
          { problemBox: problem, orderStatus: false },
        );
      },
    },
    h(
      'p',
      { class: 'muted', dataset: { rules: 'return' } },
      'Within the return window after delivery, for shipped units not already on a return. When the goods arrive, ' +
        'resellable units are restocked and damaged ones written off. Refund: a refund and a credit note for the units ' +
        'not refunded yet. Exchange: a replacement shipment of the same SKUs, no refund and no credit note. ' +
        'Goods that never arrive close the return after the receipt timeout.',
    ),
    units.table,
    h(
      'fieldset',
      { class: 'choice' },
      h('legend', {}, 'Resolution'),
      h('label', { class: 'inline' }, refund, 'Refund'),
      h('label', { class: 'inline' }, exchange, 'Exchange (replacement shipment)'),
    ),
    h('label', {}, 'Reason', reason),
    problem,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'return' } }, 'Open return'),
      closeButton(),
    ),
  );
}

/** Receiving a return's goods (warehouse): per line, the units resellable and damaged, never more than on it. */
export function receiveForm(page, act, closeButton, rma) {
  const count = (line, condition, value) =>
    h('input', {
      type: 'number',
      min: 0,
      max: line.quantity,
      step: 1,
      value,
      name: `${condition}-${line.sku}`,
      'aria-label': `${condition} units of ${line.sku}`,
    });
  const rows = rma.lines.map((line) => ({
    line,
    resellable: count(line, 'resellable', line.quantity),
    damaged: count(line, 'damaged', 0),
  }));
  const problem = h('div', { class: 'receive-problem' });
  return h(
    'form',
    {
      class: 'action-form',
      dataset: { form: 'receive', returnId: rma.id },
      onsubmit: (event) => {
        event.preventDefault();
        const over = rows.find((row) => Number(row.resellable.value) + Number(row.damaged.value) > row.line.quantity);
        if (over)
          return mount(
            problem,
            notice(
              'error',
              h('strong', {}, `${over.line.sku}: at most ${over.line.quantity} units are on this return`),
            ),
          );
        const lines = rows.flatMap((row) => {
          const counted = ['resellable', 'damaged']
            .map((condition) => ({ sku: row.line.sku, quantity: Number(row[condition].value), condition }))
            .filter((line) => line.quantity > 0);
          // Nothing of this SKU came back: say so (the API takes 0).
          return counted.length ? counted : [{ sku: row.line.sku, quantity: 0, condition: 'damaged' }];
        });
        mount(problem);
        act('Receive return', null, { lines }, () => `Return ${rma.id} received.`, {
          url: `${returnUrl(rma.id)}/receive`,
          problemBox: problem,
          orderStatus: false,
        });
      },
    },
    h(
      'p',
      { class: 'muted', dataset: { rules: 'receive' } },
      `Return ${rma.id} (${words(rma.resolution)}). Count what arrived, never more than is on the return: resellable ` +
        'units go back to stock, damaged ones are written off. Then the return settles: ' +
        (rma.resolution === 'exchange'
          ? 'a replacement shipment of the same SKUs.'
          : 'a refund and a credit note for the units not refunded yet.'),
    ),
    h(
      'table',
      { class: 'receive-lines' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'SKU'),
          h('th', { class: 'num' }, 'On the return'),
          h('th', {}, 'Resellable'),
          h('th', {}, 'Damaged'),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            h('td', { class: 'mono' }, row.line.sku),
            h('td', { class: 'num' }, row.line.quantity),
            h('td', {}, row.resellable),
            h('td', {}, row.damaged),
          ),
        ),
      ),
    ),
    problem,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'receive' } }, 'Receive goods'),
      closeButton(),
    ),
  );
}
