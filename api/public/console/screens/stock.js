// Stock (#warehouse/stock): `GET /v1/inventory` per warehouse and SKU (on hand, reserved, available) with the
// low-stock rule on screen and filters, and the receipt (`POST /v1/inventory/receipts`) and adjustment
// (`POST /v1/inventory/adjustments`) forms, each showing the API's answer or its problems next to it.
import { h, mount } from '../../dom.js';
import { api, productNames } from '../api.js';
import { redraw } from '../keyboard.js';
import { every, notice, pageHead, problemNotice } from '../ui.js';
import { warehouseSelect, warehouses } from './warehouse-parts.js';

const REFRESH_MS = 5_000;
/** Kept while the page lives: the filters and the low-stock threshold. */
const filters = { warehouse: '', sku: '', threshold: 10 };

/** A stock row's level by the rule stated on screen: `out` (nothing available), `low` (below the threshold), or ''. */
export function stockState(available, threshold) {
  if (available <= 0) return 'out';
  return available < threshold ? 'low' : '';
}

export function showStock(content) {
  const here = location.hash; // a late answer draws nothing once another screen is shown
  let items = null;
  let message = null;
  let list = [];
  let names = new Map();

  const warehouseFilter = () => warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses');
  const filterForm = h('form', {
    class: 'card filters',
    dataset: { form: 'stock-filters' },
    onsubmit: (event) => event.preventDefault(),
    oninput: (event) => {
      const { name, value } = event.target;
      if (name === 'threshold') {
        const threshold = Number(value);
        if (Number.isInteger(threshold) && threshold >= 0) filters.threshold = threshold;
      } else if (name in filters) filters[name] = value.trim();
      if (name === 'warehouse') load();
      else render();
    },
  });
  const skuList = h('datalist', { id: 'stock-skus' });
  const receiptBox = h('div', { class: 'card' });
  const adjustmentBox = h('div', { class: 'card' });
  const holder = h('div', { class: 'card' });

  function drawFilters() {
    mount(
      filterForm,
      h('label', {}, 'Warehouse', warehouseFilter()),
      h('label', {}, 'SKU contains', h('input', { name: 'sku', value: filters.sku, placeholder: 'e.g. MUG' })),
      h(
        'label',
        {},
        'Low below (units available)',
        h('input', { name: 'threshold', type: 'number', min: 0, step: 1, value: filters.threshold }),
      ),
      h('div', {}),
    );
  }

  async function load() {
    const query = new URLSearchParams();
    if (filters.warehouse) query.set('warehouse', filters.warehouse);
    try {
      const fresh = (await api('GET', `/v1/inventory?${query}`)).items;
      // A refresh that changes nothing draws nothing (the focus stays where it is).
      if (!message && items && JSON.stringify(fresh) === JSON.stringify(items)) return;
      items = fresh;
      message = null;
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    }
    render();
  }

  function render() {
    if (location.hash !== here) return;
    redraw(holder, message, table());
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, message ? 'Nothing to show.' : 'Loading…');
    const needle = filters.sku.toUpperCase();
    const shown = items.filter((item) => item.sku.toUpperCase().includes(needle));
    const rule = h(
      'p',
      { class: 'body muted stock-rule', dataset: { lowRule: '' } },
      h('span', { class: 'stock-flag low' }, 'low'),
      ` available below ${filters.threshold} unit${filters.threshold === 1 ? '' : 's'}; `,
      h('span', { class: 'stock-flag out' }, 'out'),
      ' nothing available (on hand all reserved, or none). ',
      `${shown.filter((item) => stockState(item.available, filters.threshold)).length} of ${shown.length} rows flagged.`,
    );
    if (shown.length === 0) return [rule, h('p', { class: 'empty' }, 'No stock rows match.')];
    return [
      rule,
      h(
        'table',
        { class: 'stock' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Warehouse'),
            h('th', {}, 'SKU'),
            h('th', {}, 'Product'),
            h('th', { class: 'num' }, 'On hand'),
            h('th', { class: 'num' }, 'Reserved'),
            h('th', { class: 'num' }, 'Available'),
            h('th', {}, ''),
          ),
        ),
        h(
          'tbody',
          {},
          shown.map((item) => {
            const state = stockState(item.available, filters.threshold);
            const ledgerQuery = new URLSearchParams({ sku: item.sku, warehouse: item.warehouse });
            return h(
              'tr',
              {
                class: state ? `stock-${state}` : null,
                dataset: { stock: `${item.warehouse}|${item.sku}`, state: state || 'ok' },
              },
              h('td', { class: 'mono' }, item.warehouse),
              h('td', { class: 'mono' }, item.sku),
              h('td', {}, names.get(item.sku) ?? ''),
              h('td', { class: 'num', dataset: { onHand: item.onHand } }, item.onHand),
              h('td', { class: 'num', dataset: { reserved: item.reserved } }, item.reserved),
              h(
                'td',
                { class: 'num', dataset: { available: item.available } },
                state ? h('span', { class: `stock-flag ${state}` }, state) : null,
                ` ${item.available}`,
              ),
              h(
                'td',
                { class: 'row-actions' },
                // Named with their row, for a screen reader moving from control to control.
                rowAction('Receive', receipt, item),
                rowAction('Adjust', adjustment, item),
                h(
                  'a',
                  {
                    href: `#warehouse/ledger/${ledgerQuery}`,
                    'aria-label': `Ledger of ${item.sku} at ${item.warehouse}`,
                  },
                  'Ledger',
                ),
              ),
            );
          }),
        ),
      ),
    ];
  }

  /** A stock movement form: its fields, sending them, and the API's answer or problems below it. */
  function movementForm({ id, title, hint, path, fields, submitLabel, describeDone }) {
    const answerBox = h('div', { class: 'movement-answer' });
    const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
    const form = h(
      'form',
      {
        class: 'action-form movement',
        dataset: { form: id },
        onsubmit: async (event) => {
          event.preventDefault();
          const body = {};
          for (const field of fields) {
            const value = form.elements[field.name].value.trim();
            body[field.name] = field.number && /^[+-]?\d+$/.test(value) ? Number(value) : value;
          }
          submit.disabled = true;
          mount(answerBox);
          try {
            const reply = await api('POST', path, body);
            mount(
              answerBox,
              reply.duplicate
                ? notice('info', h('strong', {}, 'Nothing moved'), h('span', {}, describeDone(body, reply, true)))
                : notice('ok', h('strong', {}, `${title}: done`), h('span', {}, describeDone(body, reply, false))),
            );
            if (!reply.duplicate)
              for (const field of fields) if (field.clearAfter) form.elements[field.name].value = '';
            load();
          } catch (problem) {
            mount(answerBox, problemNotice(problem, title));
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h2', {}, title),
      h('p', { class: 'muted' }, hint),
      h(
        'div',
        { class: 'movement-fields' },
        fields.map((field) => h('label', {}, field.label, field.input())),
      ),
      h('div', { class: 'row' }, submit),
      answerBox,
    );
    return form;
  }

  const skuInput = () =>
    h('input', { name: 'sku', list: 'stock-skus', required: true, autocomplete: 'off', placeholder: 'SKU' });
  const levelText = (level) =>
    `${level.warehouse} ${level.sku}: on hand ${level.onHand}, reserved ${level.reserved}, available ${level.available}.`;
  const receipt = movementForm({
    id: 'receipt',
    title: 'Receive stock',
    hint: 'Stock in. The same reference for the same warehouse and SKU again moves nothing. Orders waiting for the SKU resume.',
    path: '/v1/inventory/receipts',
    submitLabel: 'Receive',
    fields: [
      { name: 'warehouse', label: 'Warehouse', input: () => warehouseSelect('warehouse', list) },
      { name: 'sku', label: 'SKU', input: skuInput },
      {
        name: 'quantity',
        label: 'Quantity',
        number: true,
        clearAfter: true,
        input: () => h('input', { name: 'quantity', type: 'number', min: 1, step: 1, required: true }),
      },
      {
        name: 'reference',
        label: 'Reference',
        clearAfter: true,
        input: () => h('input', { name: 'reference', required: true, placeholder: 'PO or delivery note' }),
      },
    ],
    describeDone: (body, reply, duplicate) =>
      duplicate
        ? `Reference ${body.reference} was already received. ${levelText(reply.level)}`
        : `Received ${body.quantity} × ${body.sku} at ${body.warehouse} (${body.reference}). ${levelText(reply.level)}`,
  });
  const adjustment = movementForm({
    id: 'adjustment',
    title: 'Adjust stock',
    hint: 'A correction of on-hand stock: a positive or negative number of units, never below what is reserved for orders.',
    path: '/v1/inventory/adjustments',
    submitLabel: 'Adjust',
    fields: [
      { name: 'warehouse', label: 'Warehouse', input: () => warehouseSelect('warehouse', list) },
      { name: 'sku', label: 'SKU', input: skuInput },
      {
        name: 'delta',
        label: 'Change (units, + or −)',
        number: true,
        clearAfter: true,
        input: () => h('input', { name: 'delta', type: 'number', step: 1, required: true, placeholder: 'e.g. -3' }),
      },
      {
        name: 'reason',
        label: 'Reason',
        clearAfter: true,
        input: () => h('input', { name: 'reason', required: true, placeholder: 'cycle count, damage, …' }),
      },
    ],
    describeDone: (body, reply) =>
      `${body.delta > 0 ? '+' : ''}${body.delta} × ${body.sku} at ${body.warehouse} (${body.reason}). ${levelText(reply.level)}`,
  });

  /** A row's Receive or Adjust button, named with its row. */
  const rowAction = (label, form, item) =>
    h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        'aria-label': `${label} ${item.sku} at ${item.warehouse}`,
        onclick: () => prefill(form, item),
      },
      label,
    );

  /** A row's Receive/Adjust button: its warehouse and SKU in the form, the cursor on the next field. */
  function prefill(form, item) {
    form.elements.warehouse.value = item.warehouse;
    form.elements.sku.value = item.sku;
    form.elements[form === receipt ? 'quantity' : 'delta'].focus();
  }

  mount(receiptBox, receipt);
  mount(adjustmentBox, adjustment);
  drawFilters();
  mount(
    content,
    pageHead('Stock', `Per warehouse and SKU; available = on hand − reserved. Refreshes every ${REFRESH_MS / 1000} s.`),
    filterForm,
    h('div', { class: 'movements' }, receiptBox, adjustmentBox),
    holder,
    skuList,
  );
  every(REFRESH_MS, load);
  render();
  Promise.all([warehouses(), productNames()]).then(([found, products]) => {
    list = found;
    names = products;
    if (location.hash !== here) return;
    drawFilters();
    for (const form of [receipt, adjustment]) form.elements.warehouse.replaceWith(warehouseSelect('warehouse', list));
    mount(
      skuList,
      [...products].map(([sku, name]) => h('option', { value: sku }, name)),
    );
    load();
  });
}
