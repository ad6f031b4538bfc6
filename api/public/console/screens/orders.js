// The Orders screen (#orders?<filters>): every order, searched (`q`) and filtered by status, customer, SKU, channel
// and creation date, the filters kept in the address so a filtered list can be bookmarked; the queues of
// screens/queues.js as one-click presets of the same filters; cursor paging; a CSV export of every page of the
// current filters; and bulk actions (approve, hold, release, cancel) on the selected orders, sent one order at a
// time, with each order's result.
import { badge, dateTime, h, money, mount, timeAgo } from '../../dom.js';
import { api, can, customerOf } from '../api.js';
import { redraw } from '../keyboard.js';
import { describe, every, notice, orderLink, pageHead, problemNotice } from '../ui.js';
import { QUEUES } from './queues.js';

const STATUSES = [
  'PENDING',
  'AWAITING_APPROVAL',
  'AUTHORIZING',
  'BACKORDERED',
  'ALLOCATED',
  'PICKING',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'ON_HOLD',
  'REJECTED',
  'CANCELLED',
];
/** The filters the form shows; `createdFrom`/`createdTo` are calendar days (YYYY-MM-DD) in the browser's time. */
const FORM_FIELDS = ['q', 'status', 'customerId', 'sku', 'channel', 'createdFrom', 'createdTo', 'limit'];
/** Filters only presets set (the carrier exception and failed queues), shown as a note that can be removed. */
const PRESET_FIELDS = { shipmentStatus: 'shipment status', reason: 'reject or cancel reason' };
const FIELDS = [...FORM_FIELDS, ...Object.keys(PRESET_FIELDS)];
const PAGE_SIZES = ['10', '25', '50', '100', '200'];
const PAGE_SIZE = '50';
const EXPORT_PAGE_SIZE = 200;

/** "All orders" and each queue (its filter from screens/queues.js) as a preset of this list's filters. */
const PRESETS = [
  { id: 'all', title: 'All orders', filters: {} },
  ...QUEUES.map((queue) => ({
    id: queue.id,
    title: queue.title,
    hint: queue.hint,
    filters: Object.fromEntries(new URLSearchParams(queue.query)),
  })),
];

/** The bulk actions, each offered only to the roles that may take it (the API still decides each order). */
const BULK_ACTIONS = [
  { id: 'approve', label: 'Approve', may: () => can.approve, done: 'approved' },
  { id: 'hold', label: 'Hold', may: () => can.support, reason: 'Why are these orders held?', done: 'held' },
  { id: 'release', label: 'Release', may: () => can.support, done: 'released' },
  {
    id: 'cancel',
    label: 'Cancel',
    style: 'danger',
    may: () => can.support,
    reason: 'Why are these orders cancelled?',
    done: 'cancelled',
  },
];

/** The filters named by an address such as `#orders?status=ON_HOLD&q=acme` (unknown names are ignored). */
export function filtersFromHash(hash) {
  const query = new URLSearchParams(hash.split('?').slice(1).join('?'));
  const filters = {};
  for (const name of FIELDS) {
    const value = query.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** The address of the list with `filters`. */
export function ordersHash(filters) {
  const query = new URLSearchParams();
  for (const name of FIELDS) if (filters[name]) query.set(name, filters[name]);
  const text = query.toString();
  return text ? `#orders?${text}` : '#orders';
}

/** Whether two sets of filters find the same orders (the page size aside). */
const sameFilters = (a, b) => ordersHash({ ...a, limit: '' }) === ordersHash({ ...b, limit: '' });

/** A calendar day (YYYY-MM-DD) at the start or the end of that day in the browser's time zone, as the API's ISO time. */
function dayBoundary(day, end) {
  const time = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The `GET /v1/orders` query of `filters`. */
function listQuery(filters, limit, cursor) {
  const query = new URLSearchParams({ limit: String(limit) });
  for (const name of ['q', 'status', 'customerId', 'sku', 'channel', 'shipmentStatus', 'reason'])
    if (filters[name]) query.set(name, filters[name]);
  const from = filters.createdFrom && dayBoundary(filters.createdFrom, false);
  const to = filters.createdTo && dayBoundary(filters.createdTo, true);
  if (from) query.set('createdFrom', from);
  if (to) query.set('createdTo', to);
  if (cursor) query.set('cursor', cursor);
  return `/v1/orders?${query}`;
}

/** Customer names by id from `customers` (the list, asked once per screen); an id not in it is asked on its own. */
function customerNames(customers) {
  const known = customers.then((list) => new Map(list.map((customer) => [customer.id, customer.name])));
  return async (ids) => {
    const names = await known;
    await Promise.all(
      [...new Set(ids)]
        .filter((id) => !names.has(id))
        .map(async (id) => names.set(id, (await customerOf(id))?.name ?? id)),
    );
    return names;
  };
}

/** Minor units as a plain decimal in major units (CSV: no currency symbol, no grouping). */
function decimal(amount, currency) {
  if (amount === null || amount === undefined) return '';
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).resolvedOptions()
    .maximumFractionDigits;
  return (Number(amount) / 10 ** digits).toFixed(digits);
}

/** One CSV field (RFC 4180): quoted when it holds a quote, comma or line break; a text starting like a spreadsheet
 * formula is prefixed with an apostrophe so that opening the file runs nothing. */
export function csvField(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_COLUMNS = [
  ['Order', (order) => order.id],
  ['Created', (order) => order.createdAt],
  ['Customer', (order, names) => names.get(order.customerId) ?? order.customerId],
  ['Customer ID', (order) => order.customerId],
  ['Channel', (order) => order.channel],
  ['External ID', (order) => order.externalId ?? ''],
  ['Status', (order) => order.status],
  ['Priority', (order) => order.priority],
  ['Total', (order) => decimal(order.total, order.currency)],
  ['Currency', (order) => order.currency],
];

/** The orders list in `content`, with the filters of the address `hash`. */
export function showOrders(content, hash) {
  const filters = filtersFromHash(hash);
  const customers = api('GET', '/v1/customers')
    .then((list) => list?.items ?? [])
    .catch(() => []);
  const names = customerNames(customers);
  const actions = BULK_ACTIONS.filter((action) => action.may());
  let items = null;
  let cursor = null;
  let pages = 0;
  let message = null;
  const selected = new Set();
  let openAction = null; // the bulk action whose form is open: refreshes wait until it is closed
  let busy = false; // a bulk action or an export is running
  let results = null; // the last bulk action's per-order results
  let reasonText = ''; // what was typed in the open form's reason, kept while the selection changes

  const apply = (next) => {
    const target = ordersHash(next);
    if (target === ordersHash(filtersFromHash(location.hash))) load();
    else location.hash = target;
  };

  const preset = PRESETS.find((candidate) => sameFilters(candidate.filters, filters));
  const presets = h(
    'nav',
    { class: 'presets', 'aria-label': 'Saved queues' },
    PRESETS.map((candidate) =>
      h(
        'a',
        {
          href: ordersHash(candidate.filters),
          class: candidate === preset ? 'active' : undefined,
          'aria-current': candidate === preset ? 'true' : undefined,
          dataset: { preset: candidate.id },
        },
        candidate.title,
      ),
    ),
  );

  const field = (name, attributes) =>
    h('input', { name, value: filters[name] ?? '', autocomplete: 'off', ...attributes });
  const select = (name, label, options) =>
    h(
      'select',
      { name },
      h('option', { value: '' }, label),
      options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text)),
    );
  const customerSelect = select(
    'customerId',
    'Any customer',
    filters.customerId ? [[filters.customerId, filters.customerId]] : [],
  );
  const skuSelect = select('sku', 'Any SKU', filters.sku ? [[filters.sku, filters.sku]] : []);
  const extras = Object.entries(PRESET_FIELDS).filter(([name]) => filters[name]);
  const form = h(
    'form',
    {
      class: 'card filters order-filters',
      dataset: { form: 'order-filters' },
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        const next = {};
        for (const [name] of extras) next[name] = filters[name];
        for (const name of FORM_FIELDS) {
          const value = form.elements[name].value.trim();
          if (value) next[name] = value;
        }
        apply(next);
      },
    },
    h(
      'label',
      { class: 'search' },
      'Search',
      field('q', { type: 'search', placeholder: 'Order ID, tracking number, external ID or customer name' }),
    ),
    h(
      'label',
      {},
      'Status',
      select(
        'status',
        'Any status',
        STATUSES.map((status) => [status, status.replace(/_/g, ' ').toLowerCase()]),
      ),
    ),
    h('label', {}, 'Customer', customerSelect),
    h('label', {}, 'SKU', skuSelect),
    h('label', {}, 'Channel', field('channel', { placeholder: 'api, shop, …' })),
    h('label', {}, 'Created from', field('createdFrom', { type: 'date' })),
    h('label', {}, 'Created to', field('createdTo', { type: 'date' })),
    h(
      'label',
      {},
      'Per page',
      h(
        'select',
        { name: 'limit' },
        PAGE_SIZES.map((size) =>
          h('option', { value: size === PAGE_SIZE ? '' : size, selected: (filters.limit || PAGE_SIZE) === size }, size),
        ),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { class: 'button ghost', href: '#orders', dataset: { clear: '' } }, 'Clear'),
    ),
    extras.length
      ? h(
          'p',
          { class: 'preset-note muted' },
          extras.map(([name, label]) => [`Also filtered by ${label}: `, h('code', {}, filters[name]), ' ']),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              onclick: () => {
                const next = { ...filters };
                for (const [name] of extras) delete next[name];
                apply(next);
              },
            },
            'Remove',
          ),
        )
      : null,
  );
  // The customers and SKUs to choose from (every role may read them).
  customers.then((list) => {
    for (const customer of list)
      if (customer.id !== filters.customerId)
        customerSelect.append(h('option', { value: customer.id }, `${customer.name} (${customer.id})`));
  });
  api('GET', '/v1/products')
    .then((list) => {
      for (const product of list?.items ?? [])
        if (product.sku !== filters.sku)
          skuSelect.append(h('option', { value: product.sku }, `${product.sku} · ${product.name}`));
    })
    .catch(() => {});

  const exportStatus = h('p', { class: 'muted export-status', role: 'status', 'aria-live': 'polite' });
  const exportButton = h(
    'button',
    { type: 'button', dataset: { export: 'csv' }, onclick: () => exportCsv() },
    'Export CSV',
  );
  const refreshButton = h('button', { type: 'button', onclick: () => load() }, 'Refresh');
  const bulkBar = h('div', { class: 'card bulk', hidden: actions.length === 0 });
  const resultsBox = h('div', { id: 'bulk-results' });
  const holder = h('div', { class: 'card' }, h('p', { class: 'empty' }, 'Loading…'));
  mount(
    content,
    pageHead(
      'Orders',
      preset?.hint ?? 'Every order, newest first. Search, filter, export what you see, or act on several at once.',
      exportButton,
      refreshButton,
    ),
    presets,
    exportStatus,
    form,
    bulkBar,
    resultsBox,
    holder,
  );

  async function load(more = false) {
    try {
      const limit = PAGE_SIZES.includes(filters.limit) ? filters.limit : PAGE_SIZE;
      const page = await api('GET', listQuery(filters, limit, more ? cursor : undefined));
      items = more ? [...items, ...page.items] : page.items;
      pages = more ? pages + 1 : 1;
      cursor = page.nextCursor;
      message = null;
      const shown = new Set(items.map((order) => order.id));
      for (const id of selected) if (!shown.has(id)) selected.delete(id);
    } catch (problem) {
      message = problemNotice(problem);
      if (!message) return;
    }
    await render();
  }

  async function render() {
    renderBulk();
    if (message || items === null) return redraw(holder, h('div', { class: 'body' }, message));
    if (items.length === 0) return redraw(holder, h('p', { class: 'empty' }, 'No order matches these filters.'));
    const customerName = await names(items.map((order) => order.customerId));
    const selectable = actions.length > 0;
    const all = items.every((order) => selected.has(order.id));
    // Refreshed every 15 s: the focus stays on the checkbox or link it was on.
    redraw(
      holder,
      h(
        'table',
        { class: 'orders-list' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            selectable
              ? h(
                  'th',
                  { class: 'pick' },
                  h('input', {
                    type: 'checkbox',
                    name: 'selectAll',
                    'aria-label': 'Select every order on this page',
                    checked: all,
                    onchange: (event) => {
                      for (const order of items)
                        if (event.target.checked) selected.add(order.id);
                        else selected.delete(order.id);
                      for (const box of holder.querySelectorAll('input[name=select]'))
                        box.checked = event.target.checked;
                      renderBulk();
                    },
                  }),
                )
              : null,
            h('th', {}, 'Order'),
            h('th', {}, 'Created'),
            h('th', {}, 'Customer'),
            h('th', {}, 'Channel'),
            h('th', {}, 'Status'),
            h('th', {}, 'Priority'),
            h('th', { class: 'num' }, 'Total'),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((order) =>
            h(
              'tr',
              { dataset: { orderId: order.id } },
              selectable
                ? h(
                    'td',
                    { class: 'pick' },
                    h('input', {
                      type: 'checkbox',
                      name: 'select',
                      value: order.id,
                      'aria-label': `Select ${order.id}`,
                      checked: selected.has(order.id),
                      onchange: (event) => {
                        if (event.target.checked) selected.add(order.id);
                        else selected.delete(order.id);
                        const allBox = holder.querySelector('input[name=selectAll]');
                        if (allBox) allBox.checked = items.every((candidate) => selected.has(candidate.id));
                        renderBulk();
                      },
                    }),
                  )
                : null,
              h('td', {}, orderLink(order.id)),
              h('td', { title: dateTime(order.createdAt) }, timeAgo(order.createdAt)),
              h(
                'td',
                {},
                customerName.get(order.customerId) ?? order.customerId,
                h('div', { class: 'muted mono' }, order.customerId),
              ),
              h('td', {}, order.channel, order.externalId ? h('div', { class: 'muted mono' }, order.externalId) : null),
              h('td', {}, badge(order.status)),
              h('td', {}, h('span', { class: `priority p${order.priority}` }, `P${order.priority}`)),
              h('td', { class: 'num' }, money(order.total, order.currency)),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'body list-foot' },
        h('span', { class: 'muted', dataset: { shown: items.length } }, `${items.length} shown`),
        cursor ? h('button', { type: 'button', dataset: { more: '' }, onclick: () => load(true) }, 'Load more') : null,
      ),
    );
  }

  /** The bulk bar: how many are selected, the actions the role may take, and the open action's form. */
  function renderBulk() {
    if (actions.length === 0) return;
    const count = selected.size;
    const action = actions.find((candidate) => candidate.id === openAction);
    const plural = (n) => `${n} order${n === 1 ? '' : 's'}`;
    let formElement = null;
    if (action) {
      const reason = action.reason
        ? h('input', {
            name: 'reason',
            required: true,
            maxlength: 1000,
            value: reasonText,
            oninput: (event) => (reasonText = event.target.value),
          })
        : null;
      formElement = h(
        'form',
        {
          class: 'action-form',
          dataset: { bulkForm: action.id },
          onsubmit: (event) => {
            event.preventDefault();
            runBulk(action, reason ? { reason: reason.value.trim() } : {});
          },
        },
        reason ? h('label', {}, action.reason, reason) : null,
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            {
              type: 'submit',
              class: action.style ?? 'primary',
              disabled: busy || count === 0,
              dataset: { confirm: action.id },
            },
            `${action.label} ${plural(count)}`,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              disabled: busy,
              onclick: () => {
                openAction = null;
                renderBulk();
              },
            },
            'Close',
          ),
        ),
      );
    }
    redraw(
      bulkBar,
      h(
        'header',
        {},
        h('h2', {}, count ? `${plural(count)} selected` : 'Select orders to act on several at once'),
        h(
          'div',
          { class: 'actions' },
          actions.map((candidate) =>
            h(
              'button',
              {
                type: 'button',
                class: `${candidate.style ?? ''} ${openAction === candidate.id ? 'pressed' : ''}`.trim(),
                disabled: busy || count === 0,
                'aria-expanded': String(openAction === candidate.id),
                dataset: { bulk: candidate.id },
                onclick: () => {
                  openAction = openAction === candidate.id ? null : candidate.id;
                  reasonText = '';
                  renderBulk();
                  bulkBar.querySelector('form input, form button[type=submit]')?.focus();
                },
              },
              candidate.label,
            ),
          ),
        ),
      ),
      formElement,
    );
  }

  /** Sends `action` to each selected order in turn, then shows each one's result and refreshes the list. */
  async function runBulk(action, body) {
    const before = new Map(items.filter((order) => selected.has(order.id)).map((order) => [order.id, order.status]));
    const ids = [...before.keys()];
    if (ids.length === 0) return;
    busy = true;
    renderBulk();
    const outcomes = [];
    const progress = h('span', {}, `Sending 0 of ${ids.length}…`);
    mount(resultsBox, notice('info', h('strong', {}, `${action.label}: `), progress));
    for (const id of ids) {
      try {
        const answer = await api('POST', `/v1/orders/${encodeURIComponent(id)}/${action.id}`, body);
        outcomes.push({ id, ok: true, status: answer?.status });
      } catch (problem) {
        if (problem.status === 401) {
          problemNotice(problem); // signs out
          return;
        }
        outcomes.push({ id, ok: false, problem });
      }
      mount(progress, `Sending ${outcomes.length} of ${ids.length}…`);
    }
    results = { action, outcomes };
    busy = false;
    openAction = null;
    selected.clear();
    renderResults();
    await load();
    // An order's row is written a moment after its workflow answered: refresh until no order the action changed is
    // listed with the status it had before (10 s at most).
    const changed = new Set(
      outcomes
        .filter((outcome) => outcome.ok && outcome.status !== before.get(outcome.id))
        .map((outcome) => outcome.id),
    );
    const stale = () => items?.some((order) => changed.has(order.id) && order.status === before.get(order.id));
    for (let tries = 0; tries < 20 && stale() && holder.isConnected; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await load();
    }
  }

  function renderResults() {
    if (!results) return redraw(resultsBox);
    const { action, outcomes } = results;
    const ok = outcomes.filter((outcome) => outcome.ok).length;
    const failed = outcomes.length - ok;
    mount(
      resultsBox,
      h(
        'div',
        { class: 'card bulk-results', dataset: { bulkResults: action.id } },
        h(
          'header',
          {},
          h('h2', { class: 'summary' }, `${action.label}: ${ok} ${action.done}`, failed ? `, ${failed} refused` : ''),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              onclick: () => {
                results = null;
                renderResults();
              },
            },
            'Dismiss',
          ),
        ),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Order'), h('th', {}, 'Result'))),
          h(
            'tbody',
            {},
            outcomes.map((outcome) =>
              h(
                'tr',
                { dataset: { resultOrder: outcome.id, outcome: outcome.ok ? 'ok' : 'refused' } },
                h('td', {}, orderLink(outcome.id)),
                outcome.ok
                  ? h('td', { class: 'ok' }, 'OK', outcome.status ? [' · now ', badge(outcome.status)] : null)
                  : h('td', { class: 'error' }, describe(outcome.problem)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** Every page of the current filters as a CSV file, built here and downloaded (columns as the list shows). */
  async function exportCsv() {
    busy = true;
    exportButton.disabled = true;
    const all = [];
    let next = null;
    try {
      do {
        mount(exportStatus, `Exporting… ${all.length} orders`);
        const page = await api('GET', listQuery(filters, EXPORT_PAGE_SIZE, next));
        all.push(...page.items);
        next = page.nextCursor;
      } while (next);
      const customerName = await names(all.map((order) => order.customerId));
      const lines = [
        CSV_COLUMNS.map(([title]) => csvField(title)).join(','),
        ...all.map((order) => CSV_COLUMNS.map(([, value]) => csvField(value(order, customerName))).join(',')),
      ];
      const file = `orders-${new Date().toISOString().slice(0, 10)}.csv`;
      const url = URL.createObjectURL(new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' }));
      const link = h('a', { href: url, download: file, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      mount(exportStatus, `Exported ${all.length} orders to ${file}`);
    } catch (problem) {
      const shown = problemNotice(problem, 'Export');
      mount(exportStatus, shown ? `Export failed after ${all.length} orders: ${problem.message}` : '');
    } finally {
      busy = false;
      exportButton.disabled = false;
    }
  }

  load();
  // Fresh while on screen: the first page again, unless more pages are shown, an action is open or running.
  every(15_000, () => pages <= 1 && !busy && !openAction && load());
}
