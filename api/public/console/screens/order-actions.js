// The order page's actions: which ones the order's status and the key's role allow, their forms (approve, reject,
// edit, resume, hold, release, cancel, refund by amount or lines) with the rules they follow, and sending them.
// Opening and receiving returns are in order-returns.js. screens/order.js draws the rest of the page and holds the
// state all share (`page`).
import { badge, h, money, mount, toMinorUnits, words } from '../../dom.js';
import { api, can } from '../api.js';
import { describe, notice } from '../ui.js';
import { refreshCounts } from './queues.js';
import { lineUnitsTable } from './line-units.js';
import { RETURNABLE, receiveForm, returnForm } from './order-returns.js';

/** Statuses with something left to ship: cancellation is possible (SPEC: 409 from SHIPPED on), and a hold. */
const HOLDABLE = [
  'PENDING',
  'AWAITING_APPROVAL',
  'AUTHORIZING',
  'BACKORDERED',
  'ALLOCATED',
  'PICKING',
  'PARTIALLY_SHIPPED',
];
const CANCELLABLE = [...HOLDABLE, 'ON_HOLD'];
export const TERMINAL = ['COMPLETED', 'REJECTED', 'CANCELLED'];
/** Statuses an edit is refused in (SPEC: until picking starts; a held order is released first). */
const NOT_EDITABLE = [...TERMINAL, 'PICKING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'ON_HOLD'];
const ADDRESS_FIELDS = [
  ['name', 'Name'],
  ['line1', 'Address line 1'],
  ['line2', 'Address line 2'],
  ['city', 'City'],
  ['region', 'Region'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
];

/** What can still be refunded: invoiced (captured or billed) minus credit notes already issued. */
export function refundable(order) {
  const invoiced = order.invoices
    .filter((invoice) => invoice.kind === 'invoice')
    .reduce((sum, invoice) => sum + Number(invoice.total), 0);
  const credited = order.invoices
    .filter((invoice) => invoice.kind === 'credit_note')
    .reduce((sum, invoice) => sum + Number(invoice.total), 0);
  return Math.max(0, invoiced - credited);
}

/** Shipped units of a line not refunded yet (SPEC: refunds give back shipped units, each once). */
const refundableUnits = (line) => Math.max(0, line.shippedQuantity - line.refundedQuantity);

/** Whether an edit may still be sent (SPEC: until picking starts): no shipment picking or beyond, not held. */
function editable(order) {
  return (
    !NOT_EDITABLE.includes(order.status) &&
    order.shipments.every((shipment) => shipment.status === 'allocated' || shipment.status === 'cancelled')
  );
}

/**
 * The actions of the order page `page` (screens/order.js): `{content, order, names, load, render}`, and the state
 * kept across its renders, `message` (the last action's result or problem), `openForm` (the action whose form is
 * open: refreshes wait until it is closed), `formElement` (kept, so that what was typed survives an error) and
 * `busy`. Answers the function that draws the actions card.
 */
export function orderActions(page) {
  /**
   * Sends an action and reloads the order. `path` follows the order's URL (`''`: the order itself); `details` adds to
   * the answer's notice; `url` sends elsewhere (a return), `orderStatus: false` when the answer's status is not the
   * order's. A refusal shows in `problemBox` (next to the form, which keeps what was typed) when given,
   * else above the actions.
   */
  async function act(
    action,
    path,
    body,
    success,
    { method = 'POST', problemBox, details, url, orderStatus = true } = {},
  ) {
    page.busy = true;
    const buttons = [...page.content.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    let failure = null;
    try {
      const answer = await api(
        method,
        url ?? `/v1/orders/${encodeURIComponent(page.order.id)}${path ? `/${path}` : ''}`,
        body,
      );
      page.message = notice(
        'ok',
        h('strong', {}, success(answer)),
        orderStatus && answer.status ? h('span', {}, 'The order is now ', badge(answer.status), '.') : null,
        details?.(answer),
      );
      page.openForm = null;
      page.formElement = null;
    } catch (problem) {
      failure = notice('error', ...describe(problem, action));
      if (problemBox) mount(problemBox, failure);
      else page.message = failure;
    } finally {
      page.busy = false;
      for (const button of buttons) button.disabled = false;
    }
    await page.load();
    // The reload closes a form the order no longer allows (picking started meanwhile): its refusal moves up.
    if (problemBox && failure && !problemBox.isConnected) {
      page.message = failure;
      page.render();
    }
    refreshCounts();
  }

  const ACTIONS = [
    {
      id: 'approve',
      label: 'Approve',
      style: 'primary',
      needs: 'approve',
      when: (o) => o.status === 'AWAITING_APPROVAL',
      form: approveForm,
    },
    {
      id: 'reject',
      label: 'Reject',
      style: 'danger',
      needs: 'approve',
      when: (o) => o.status === 'AWAITING_APPROVAL',
      form: () =>
        reasonForm(
          'Reject',
          'reject',
          'Why is this order rejected?',
          () => 'Rejected.',
          'The order ends REJECTED (reason: rejected) and nothing is reserved or charged. It cannot be undone.',
        ),
    },
    { id: 'edit', label: 'Edit', needs: 'edit', when: editable, form: editForm },
    {
      id: 'resume',
      label: 'Resume backorder',
      needs: 'support',
      rule: 'Resume backorder retries allocation now; what is still missing keeps waiting (or follows the backorder policy).',
      when: (o) => o.status === 'BACKORDERED' || o.status === 'PARTIALLY_SHIPPED',
      run: () =>
        act('Resume backorder', 'resume-backorder', {}, (answer) =>
          answer.status === 'BACKORDERED' ? 'Allocation retried: the stock is still missing.' : 'Backorder resumed.',
        ),
    },
    {
      id: 'hold',
      label: 'Hold',
      needs: 'support',
      when: (o) => HOLDABLE.includes(o.status),
      form: () =>
        reasonForm(
          'Hold',
          'hold',
          'Why is this order held?',
          () => 'On hold: it stops before its next step.',
          'Before it ships only. It stops before its next step, never inside one; Release resumes it where it stopped. A hold not released within the hold timeout (OMS_HOLD_TIMEOUT, 7 days by default) cancels the order.',
        ),
    },
    {
      id: 'release',
      label: 'Release',
      style: 'primary',
      needs: 'support',
      when: (o) => o.status === 'ON_HOLD',
      rule: 'Release resumes the held order where it stopped (a failed step is tried again).',
      run: () => act('Release', 'release', {}, () => 'Released: the order goes on where it stopped.'),
    },
    {
      id: 'cancel',
      label: 'Cancel order',
      style: 'danger',
      needs: 'support',
      when: (o) => CANCELLABLE.includes(o.status),
      form: () =>
        reasonForm(
          'Cancel order',
          'cancel',
          'Why is this order cancelled?',
          () => 'Cancelled.',
          'Cancels whatever has not shipped: pick lists are cancelled, reservations released and what remains of the authorization voided. Units already shipped stay shipped and captured (returns handle them). Once nothing is left to ship the API refuses (409): open a return instead.',
        ),
    },
    { id: 'refund', label: 'Refund', needs: 'support', when: (o) => refundable(o) > 0, form: refundForm },
    {
      id: 'return',
      label: 'Open return',
      needs: 'support',
      when: (o) => RETURNABLE.includes(o.status) && o.lines.some((line) => line.shippedQuantity > 0),
      form: () => returnForm(page, act, closeButton),
    },
  ];

  /** One Receive action per return still waiting for its goods (warehouse). */
  const receiveActions = () =>
    (page.order.returns ?? [])
      .filter((rma) => rma.status === 'AWAITING_RECEIPT')
      .map((rma) => ({
        id: `receive:${rma.id}`,
        kind: 'receive',
        returnId: rma.id,
        label: `Receive ${rma.id.split('/').pop()}`,
        style: 'primary',
        needs: 'warehouse',
        when: () => true,
        form: () => receiveForm(page, act, closeButton, rma),
      }));

  /** The actions card: a button for each action allowed now, and the open form. */
  function actionsCard() {
    // `needs`: only offered to keys that may (admin may anything); the others show the API's 403 when refused.
    const available = [...ACTIONS, ...receiveActions()].filter(
      (action) => (!action.needs || can[action.needs]) && action.when(page.order),
    );
    const rules = available.filter((action) => action.rule).map((action) => action.rule);
    // Support sees why an order that has shipped everything is no longer cancellable (SPEC: 409, use returns).
    if (can.support && ['SHIPPED', 'DELIVERED'].includes(page.order.status))
      rules.push(
        'Nothing is left to ship, so the order can no longer be cancelled: open a return once it is delivered.',
      );
    if (!available.some((action) => action.id === page.openForm)) {
      page.openForm = null;
      page.formElement = null;
    }

    return h(
      'div',
      { class: 'card', id: 'actions' },
      h(
        'header',
        {},
        h('h2', {}, 'Actions'),
        available.length
          ? h(
              'div',
              { class: 'actions' },
              available.map((action) =>
                h(
                  'button',
                  {
                    type: 'button',
                    class: `${action.style ?? ''} ${page.openForm === action.id ? 'pressed' : ''}`.trim(),
                    dataset: { action: action.kind ?? action.id, returnId: action.returnId },
                    'aria-expanded': action.form ? String(page.openForm === action.id) : undefined,
                    onclick: () => {
                      if (action.run) return action.run();
                      page.openForm = page.openForm === action.id ? null : action.id;
                      page.formElement = page.openForm ? action.form() : null;
                      page.message = null;
                      page.render();
                      page.formElement?.querySelector('textarea, input')?.focus();
                    },
                  },
                  action.label,
                ),
              ),
            )
          : h('span', { class: 'muted' }, `Nothing to do for a ${words(page.order.status)} order.`),
      ),
      rules.length
        ? h(
            'ul',
            { class: 'action-rules muted' },
            rules.map((rule) => h('li', {}, rule)),
          )
        : null,
      page.formElement,
    );
  }

  function approveForm() {
    const inputs = page.order.lines.map((line) =>
      h('input', {
        type: 'number',
        min: 0,
        max: line.quantity,
        value: line.quantity,
        step: 1,
        name: `approve-${line.sku}`,
        'aria-label': `Approved quantity of ${line.sku}`,
      }),
    );
    const note = h('textarea', { name: 'note', placeholder: 'Optional note for the timeline' });
    return h(
      'form',
      {
        class: 'action-form',
        onsubmit: (event) => {
          event.preventDefault();
          const lines = page.order.lines
            .map((line, index) => ({ sku: line.sku, approvedQuantity: Number(inputs[index].value) }))
            .filter((line, index) => line.approvedQuantity !== page.order.lines[index].quantity);
          act(
            'Approve',
            'approve',
            { ...(lines.length ? { lines } : {}), ...(note.value.trim() ? { note: note.value.trim() } : {}) },
            () => (lines.length ? 'Approved with reduced quantities.' : 'Approved.'),
          );
        },
      },
      h(
        'p',
        { class: 'muted', dataset: { rules: 'approve' } },
        "Approve every line in full, or lower a line's quantity (0 drops it): lines left at their quantity keep it, " +
          'and the difference becomes the cancelled quantity. Without a decision within the approval timeout the order is rejected.',
      ),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', { class: 'num' }, 'Ordered'), h('th', {}, 'Approve'))),
        h(
          'tbody',
          {},
          page.order.lines.map((line, index) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, line.sku),
              h('td', { class: 'num' }, line.quantity),
              h('td', {}, inputs[index]),
            ),
          ),
        ),
      ),
      h('label', {}, 'Note', note),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'approve' } }, 'Approve order'),
        closeButton(),
      ),
    );
  }

  /**
   * The lines (the whole new set), the shipping address and expedite, as they are now; only what changed is sent.
   * The API checks it all: its refusal shows next to the form, which keeps what was typed.
   */
  function editForm() {
    const rows = h('tbody', {});
    const addRow = (sku = '', quantity = '') => {
      const row = h(
        'tr',
        { dataset: { editLine: '' } },
        h(
          'td',
          {},
          h('input', {
            name: 'sku',
            value: sku,
            list: 'edit-skus',
            required: true,
            autocomplete: 'off',
            'aria-label': 'SKU',
          }),
        ),
        h(
          'td',
          {},
          h('input', {
            type: 'number',
            name: 'quantity',
            value: quantity,
            min: 1,
            step: 1,
            required: true,
            'aria-label': 'Quantity',
          }),
        ),
        h(
          'td',
          {},
          h(
            'button',
            { type: 'button', class: 'ghost', dataset: { removeLine: '' }, onclick: () => row.remove() },
            'Remove',
          ),
        ),
      );
      rows.append(row);
      return row;
    };
    for (const line of page.order.lines) addRow(line.sku, line.quantity);

    const current = page.order.shippingAddress ?? {};
    const address = Object.fromEntries(
      ADDRESS_FIELDS.map(([field]) => [
        field,
        h('input', { name: `address-${field}`, value: current[field] ?? '', required: field !== 'line2' }),
      ]),
    );
    const expedite = h('input', { type: 'checkbox', name: 'expedite', checked: Boolean(page.order.expedite) });
    const problem = h('div', { class: 'edit-problem' });

    /** What differs from the order as loaded, as the PATCH body names it. */
    function changes() {
      const lines = [...rows.querySelectorAll('tr')].map((row) => ({
        sku: row.querySelector('input[name=sku]').value.trim(),
        quantity: Number(row.querySelector('input[name=quantity]').value),
      }));
      const linesKey = (list) =>
        list
          .map((line) => `${line.sku} ${line.quantity}`)
          .sort()
          .join('\n');
      const shippingAddress = {};
      for (const [field] of ADDRESS_FIELDS) {
        const value = address[field].value.trim();
        if (value) shippingAddress[field] = value;
      }
      const addressChanged = ADDRESS_FIELDS.some(
        ([field]) => (shippingAddress[field] ?? '') !== String(current[field] ?? '').trim(),
      );
      return {
        ...(linesKey(lines) !== linesKey(page.order.lines) ? { lines } : {}),
        ...(addressChanged ? { shippingAddress } : {}),
        ...(expedite.checked !== Boolean(page.order.expedite) ? { expedite: expedite.checked } : {}),
      };
    }

    const totalsOf = (answer) => {
      const t = answer.totals;
      if (!t) return h('span', {}, 'It stopped before it was priced again.');
      return h(
        'span',
        { class: 'edit-totals' },
        'New total ',
        h('b', { dataset: { total: t.total } }, money(t.total, t.currency)),
        ` (subtotal ${money(t.subtotal, t.currency)}`,
        t.discount ? `, discount ${money(-t.discount, t.currency)}` : '',
        `, shipping ${money(t.shipping, t.currency)}, tax ${money(t.tax, t.currency)}).`,
      );
    };

    return h(
      'form',
      {
        class: 'action-form',
        dataset: { form: 'edit' },
        onsubmit: (event) => {
          event.preventDefault();
          const body = changes();
          const changed = [
            body.lines ? 'lines' : null,
            body.shippingAddress ? 'shipping address' : null,
            'expedite' in body ? `expedite ${body.expedite ? 'on' : 'off'}` : null,
          ].filter(Boolean);
          if (!changed.length)
            return mount(
              problem,
              notice(
                'info',
                h('strong', {}, 'Nothing changed'),
                h('span', {}, 'Change a line, the address or expedite first.'),
              ),
            );
          mount(problem);
          act('Edit', '', body, () => `Edited: ${changed.join(', ')}.`, {
            method: 'PATCH',
            problemBox: problem,
            details: totalsOf,
          });
        },
      },
      h(
        'p',
        { class: 'muted', dataset: { editRules: '' } },
        'Until picking starts. The order is priced again, may go back to approval, and a card is authorized again when the total grows.',
      ),
      h(
        'table',
        { class: 'edit-lines' },
        h('thead', {}, h('tr', {}, h('th', {}, 'SKU'), h('th', {}, 'Quantity'), h('th', {}))),
        rows,
      ),
      // A hint while typing a SKU; the API still checks each one.
      h(
        'datalist',
        { id: 'edit-skus' },
        [...page.names].map(([sku, name]) => h('option', { value: sku }, name)),
      ),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { type: 'button', dataset: { addLine: '' }, onclick: () => addRow().querySelector('input').focus() },
          'Add line',
        ),
      ),
      h(
        'fieldset',
        { class: 'address' },
        h('legend', {}, 'Shipping address'),
        ADDRESS_FIELDS.map(([field, label]) => h('label', {}, label, address[field])),
      ),
      h('label', { class: 'inline' }, expedite, 'Expedite (priority one step higher, fastest shipping)'),
      problem,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'edit' } }, 'Save changes'),
        closeButton(),
      ),
    );
  }

  function reasonForm(label, path, prompt, success, rules) {
    const reason = h('textarea', { name: 'reason', required: true, maxlength: 1000, placeholder: prompt });
    return h(
      'form',
      {
        class: 'action-form',
        dataset: { form: path },
        onsubmit: (event) => {
          event.preventDefault();
          act(label, path, { reason: reason.value.trim() }, success);
        },
      },
      rules ? h('p', { class: 'muted', dataset: { rules: path } }, rules) : null,
      h('label', {}, 'Reason', reason),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'danger solid', dataset: { confirm: path } }, label),
        closeButton(),
      ),
    );
  }

  /**
   * A refund of the whole refundable amount, of an amount, or of shipped units not refunded yet (SPEC: never more
   * than captured; units are refunded once).
   */
  function refundForm() {
    const order = page.order;
    const left = refundable(order);
    const units = lineUnitsTable(page, {
      action: 'refund',
      columns: [
        ['Ordered', (line) => line.quantity],
        ['Shipped', (line) => line.shippedQuantity],
        ['Refunded', (line) => line.refundedQuantity],
        ['Refundable', refundableUnits],
        ['Unit price', (line) => money(line.unitPrice, order.currency)],
      ],
      limitOf: refundableUnits,
      tooMany: (line, limit) =>
        `${line.sku}: at most ${limit} units can be refunded (${line.shippedQuantity} shipped, ${line.refundedQuantity} already refunded)`,
    });
    units.enable(false);
    const radio = (value, checked) => h('input', { type: 'radio', name: 'kind', value, checked });
    const full = radio('full', true);
    const partial = radio('amount', false);
    const byLines = order.lines.some((line) => refundableUnits(line) > 0) ? radio('lines', false) : null;
    const amount = h('input', {
      class: 'amount',
      name: 'amount',
      inputmode: 'decimal',
      placeholder: '0.00',
      'aria-label': `Amount in ${order.currency}`,
      disabled: true,
    });
    for (const choice of [full, partial, byLines].filter(Boolean))
      choice.addEventListener('change', () => {
        amount.disabled = !partial.checked;
        units.enable(Boolean(byLines?.checked));
        if (partial.checked) amount.focus();
        if (byLines?.checked) units.table.querySelector('input:not([disabled])')?.focus();
      });
    const reason = h('textarea', {
      name: 'reason',
      required: true,
      maxlength: 1000,
      placeholder: 'Why is money going back?',
    });
    const problem = h('div', { class: 'refund-problem' });
    return h(
      'form',
      {
        class: 'action-form',
        dataset: { form: 'refunds' },
        onsubmit: (event) => {
          event.preventDefault();
          let body;
          if (byLines?.checked) {
            const lines = units.read(problem);
            if (!lines) return;
            body = { lines };
          } else {
            const value = full.checked ? left : toMinorUnits(amount.value, order.currency);
            if (!Number.isInteger(value) || value <= 0)
              return mount(problem, notice('error', h('strong', {}, 'Enter a positive amount, e.g. 12.50')));
            body = { amount: value };
          }
          mount(problem);
          act(
            'Refund',
            'refunds',
            { ...body, reason: reason.value.trim() },
            (answer) =>
              `Refunded ${money(answer.amount, order.currency)}${answer.creditNote ? `, credit note ${answer.creditNote}` : ''}.`,
            { problemBox: problem },
          );
        },
      },
      h(
        'p',
        { class: 'muted', dataset: { rules: 'refunds' } },
        `Up to ${money(left, order.currency)} can be refunded (charged minus what was refunded); never more than was captured. `,
        'Refund an amount (a goodwill adjustment), or shipped units at the price and tax they were billed; units already refunded cannot be refunded again. Each refund issues a credit note.',
      ),
      h(
        'div',
        { class: 'choice' },
        h('label', { class: 'inline' }, full, `Full (${money(left, order.currency)})`),
        h('label', { class: 'inline' }, partial, 'Amount'),
        amount,
        byLines ? h('label', { class: 'inline' }, byLines, 'Shipped units') : null,
      ),
      byLines ? units.table : null,
      problem,
      h('label', {}, 'Reason', reason),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', dataset: { confirm: 'refunds' } }, 'Refund'),
        closeButton(),
      ),
    );
  }

  function closeButton() {
    return h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        onclick: () => {
          page.openForm = null;
          page.formElement = null;
          page.render();
        },
      },
      'Close',
    );
  }

  return actionsCard;
}
