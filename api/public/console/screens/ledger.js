// The stock ledger (#warehouse/ledger[/<query>]): `GET /v1/inventory/ledger`, newest first, a page at a time ("Load
// more" follows the API's cursor), filtered by SKU, warehouse and order; each movement's order links to its page.
import { dateTime, h, mount, words } from '../../dom.js';
import { api } from '../api.js';
import { redraw } from '../keyboard.js';
import { every, orderLink, pageHead, problemNotice } from '../ui.js';
import { warehouseSelect, warehouses } from './warehouse-parts.js';

const REFRESH_MS = 5_000;
const PAGE_SIZE = 100;
/** Kept while the page lives, so that opening an order from the ledger and coming back keeps the filters. */
const filters = { sku: '', warehouse: '', orderId: '' };

const signed = (value) => (value > 0 ? `+${value}` : String(value));

/** The ledger in `content`; `query` (URLSearchParams) replaces the filters when it names any. */
export function showLedger(content, query) {
  const here = location.hash; // a late answer draws nothing once another screen is shown
  if ([...query.keys()].some((name) => name in filters))
    for (const name of Object.keys(filters)) filters[name] = query.get(name) ?? '';
  let items = null;
  let cursor = null; // the next page's, null on the last page
  let pages = 0;
  let message = null;
  let list = [];

  /** The first page again (the filters changed, or a refresh), or with `more` the next one under those shown. */
  async function load(more = false) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    if (more) params.set('cursor', cursor);
    try {
      const page = await api('GET', `/v1/inventory/ledger?${params}`);
      // A refresh that changes nothing draws nothing (the focus stays where it is).
      if (!more && !message && pages === 1 && JSON.stringify(page.items) === JSON.stringify(items)) return;
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.nextCursor;
      pages = more ? pages + 1 : 1;
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
    // "Load more" and the refreshes draw the list again: the focus stays where it was.
    redraw(holder, message, table(), items?.length ? more() : null);
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

  function more() {
    if (!cursor) return h('p', { class: 'muted body' }, `All ${items.length} movements shown.`);
    return h(
      'div',
      { class: 'body' },
      h(
        'button',
        {
          type: 'button',
          dataset: { more: 'ledger' },
          onclick: (event) => {
            event.currentTarget.disabled = true;
            load(true);
          },
        },
        'Load more',
      ),
      h('span', { class: 'muted' }, ` ${items.length} shown, ${PAGE_SIZE} more at a time`),
    );
  }

  drawFilters();
  mount(
    content,
    pageHead(
      'Stock ledger',
      `Every stock movement, newest first, ${PAGE_SIZE} at a time: receipts, adjustments, reservations and their releases, shipments, restocks. Refreshes every ${REFRESH_MS / 1000} s while only the first page is shown.`,
    ),
    filterForm,
    holder,
  );
  // Only the first page refreshes: reloading it would drop the pages loaded under it.
  every(REFRESH_MS, () => pages <= 1 && load());
  render();
  load();
  warehouses().then((found) => {
    list = found;
    if (location.hash !== here) return;
    filterForm.elements.warehouse.replaceWith(warehouseSelect('warehouse', list, filters.warehouse, 'All warehouses'));
  });
}
