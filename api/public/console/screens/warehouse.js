// The warehouse screens (#warehouse/<tab>, warehouse and admin keys): their sidebar links, the guard for other roles,
// and the tabs: pick lists (screens/pick-lists.js), stock with receipts and adjustments (screens/stock.js) and the
// stock ledger (screens/ledger.js). Each refreshes itself while it is on screen.
import { h, mount } from '../../dom.js';
import { can } from '../api.js';
import { openScreen, rememberList } from '../layout.js';
import { notice } from '../ui.js';
import { showLedger } from './ledger.js';
import { showPickLists } from './pick-lists.js';
import { showStock } from './stock.js';

/** The tabs, in the sidebar's order; `show(content, options)` draws one. */
export const WAREHOUSE_TABS = [
  { id: 'pick-lists', title: 'Pick lists', show: showPickLists },
  { id: 'stock', title: 'Stock', show: showStock },
  { id: 'ledger', title: 'Stock ledger', show: showLedger },
];

/** The sidebar's "Warehouse" links (layout.js shows them to warehouse and admin keys). */
export function warehouseNav() {
  return h(
    'nav',
    { class: 'queues', 'aria-label': 'Warehouse' },
    h('div', { class: 'nav-title' }, 'Warehouse'),
    WAREHOUSE_TABS.map((tab) =>
      h('a', { href: `#warehouse/${tab.id}`, dataset: { screen: tab.id } }, h('span', {}, tab.title)),
    ),
  );
}

/**
 * `argument` is `<tab>` or `<tab>/<query>` (a URL query without "?", e.g. `ledger/sku=MUG-BLK&warehouse=EWR`, the
 * stock table's links to the ledger). An unknown tab shows the pick lists.
 */
export function showWarehouse(argument) {
  const [tabId, ...query] = (argument || '').split('/');
  const tab = WAREHOUSE_TABS.find((candidate) => candidate.id === tabId) ?? WAREHOUSE_TABS[0];
  const content = openScreen(tab.id, tab.title);
  if (!can.warehouse)
    return mount(
      content,
      notice(
        'info',
        h('strong', {}, `${tab.title}: for warehouse staff and admins only`),
        h('span', {}, 'Sign in with a warehouse key to see it.'),
      ),
    );
  rememberList(location.hash, tab.title);
  tab.show(content, new URLSearchParams(query.join('/')));
}
