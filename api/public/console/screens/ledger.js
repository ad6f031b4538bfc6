// The stock ledger (#warehouse/ledger[/<query>]): `GET /v1/inventory/ledger`, newest first, filtered by SKU,
// warehouse and order; each movement's order links to the order's page.
import { dateTime, h, mount, words } from '../../dom.js';
import { api } from '../api.js';
import { every, orderLink, pageHead, problemNotice } from '../ui.js';
import { warehouseSelect, warehouses } from './warehouse-parts.js';

const REFRESH_MS = 5_000;
const LIMIT = 200;
/** Kept while the page lives, so that opening an order from the ledger and coming back keeps the filters. */
const filters = { sku: '', warehouse: '', orderId: '' };

const signed = (value) => (value > 0 ? `+${value}` : String(value));

/** The ledger in `content`; `query` (URLSearchParams) replaces the filters when it names any. */
export function showLedger(content, query) {
  const here = location.hash; // a late answer draws nothing once another screen is shown
  if ([...query.keys()].some((name) => name in filters))
    for (const name of Object.keys(filters)) filters[name] = query.get(name) ?? '';
  let items = null;
  let message = null;
  let list = [];

  async function load() {
    const params = new URLSearchParams({ limit: String(LIMIT) });
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    try {
      const fresh = (await api('GET', `/v1/inventory/ledger?${params}`)).items;
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

  const filterForm = h('form', {
    class: 'card filters',
    dataset: { form: 'ledger-filters' },
    onsubmit: (event) => {
      event.preventDefault();
      for (const name of Object.keys(filters)) filters[name] = filterForm.elements[name].value.trim();
      load();
    },
  });
  function drawFilters() {
    mount(
      filterForm,
      h('label', {}, 'SKU', h('input', { name: 'sku', value: filters.sku, placeholder: 'e.g. MUG-BLK' })),
      h('label', {}, 'Warehouse', warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses')),
      h('label', {}, 'Order', h('input', { name: 'orderId', value: filters.orderId, placeholder: 'ORD-…' })),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, 'Apply'),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            onclick: () => {
              for (const name of Object.keys(filters)) filters[name] = '';
              drawFilters();
              load();
            },
          },
          'Clear',
        ),
      ),
    );
  }
  const holder = h('div', { class: 'card' });

  function render() {
    if (location.hash !== here) return;
    mount(holder, message, table());
  }

  function table() {
    if (items === null) return h('p', { class: 'empty' }, message ? 'Nothing to show.' : 'Loading…');
    if (items.length === 0) return h('p', { class: 'empty' }, 'No stock movements match.');
    return h(
      'table',
      { class: 'ledger' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Time'),
          h('th', {}, 'Warehouse'),
          h('th', {}, 'SKU'),
          h('th', {}, 'Movement'),
          h('th', { class: 'num' }, 'On hand'),
          h('th', { class: 'num' }, 'Reserved'),
          h('th', {}, 'Order'),
          h('th', {}, 'Reference'),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((row) =>
          h(
            'tr',
            { dataset: { ledgerId: row.id, reason: row.reason } },
            h('td', { title: row.at }, dateTime(row.at)),
            h('td', { class: 'mono' }, row.warehouse),
            h('td', { class: 'mono' }, row.sku),
            h('td', {}, words(row.reason)),
            h(
              'td',
              { class: 'num', dataset: { onHandDelta: row.onHandDelta } },
              row.onHandDelta ? signed(row.onHandDelta) : '·',
            ),
            h(
              'td',
              { class: 'num', dataset: { reservedDelta: row.reservedDelta } },
              row.reservedDelta ? signed(row.reservedDelta) : '·',
            ),
            h('td', {}, orderLink(row.orderId)),
            h('td', { class: 'reference' }, row.reference ?? ''),
          ),
        ),
      ),
    );
  }

  drawFilters();
  mount(
    content,
    pageHead(
      'Stock ledger',
      `Every stock movement, newest first (the latest ${LIMIT}): receipts, adjustments, reservations and their releases, shipments, restocks. Refreshes every ${REFRESH_MS / 1000} s.`,
    ),
    filterForm,
    holder,
  );
  every(REFRESH_MS, load);
  render();
  load();
  warehouses().then((found) => {
    list = found;
    if (location.hash !== here) return;
    filterForm.elements.warehouse.replaceWith(warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses'));
  });
}
