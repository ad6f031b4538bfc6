// The reports screen (#reports/<id>): each report of /v1/reports as a chart (Chart.js, served from node_modules at
// /static/vendor/chart.umd.min.js) with a caption, the table of its figures below it, a date range where the API
// takes one, and a CSV download of the table. Any key may read the reports.
import { h, money, mount, words } from '../../dom.js';
import { api } from '../api.js';
import { redraw } from '../keyboard.js';
import { every, notice, orderLink, pageHead, problemNotice } from '../ui.js';

const PALETTE = { ordered: '#4338ca', shipped: '#0f766e', returned: '#b45309', revenue: '#4338ca' };
const STATUS_COLOURS = {
  PENDING: '#98a2b3',
  AWAITING_APPROVAL: '#f59e0b',
  AUTHORIZING: '#60a5fa',
  BACKORDERED: '#b45309',
  ALLOCATED: '#3b82f6',
  PICKING: '#1d4ed8',
  PARTIALLY_SHIPPED: '#fbbf24',
  ON_HOLD: '#db2777',
  SHIPPED: '#14b8a6',
  DELIVERED: '#0f766e',
  COMPLETED: '#15803d',
  REJECTED: '#b91c1c',
  CANCELLED: '#475467',
};

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (days) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

/** Minor units as a plain number of major units, for a chart's axis. */
function major(amount, currency) {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
  return amount / 10 ** digits;
}

const period = (row) => (row.start === row.end ? row.start : `${row.start} – ${row.end}`);

export const REPORTS = [
  {
    id: 'sales',
    title: 'Sales',
    hint: 'Orders, units and net revenue (invoiced − credited) per day or ISO week, UTC, with the period under way and the next projected from the average of the last complete ones.',
    filters: { range: true, period: true },
    path: (query) => `/v1/reports/sales?${query}`,
    render: salesSections,
  },
  {
    id: 'products',
    title: 'Products',
    hint: 'Units ordered, shipped and returned per SKU, over the orders placed in the range.',
    filters: { range: true },
    path: (query) => `/v1/reports/products?${query}`,
    render: productSections,
  },
  {
    id: 'customers',
    title: 'Customers',
    hint: 'Orders, revenue, returns and open receivables per customer and currency, over the orders placed in the range (receivables: today).',
    filters: { range: true },
    path: (query) => `/v1/reports/customers?${query}`,
    render: customerSections,
  },
  {
    id: 'payments',
    title: 'Payments',
    hint: "Every order's money: authorized, captured, voided, refunded, invoiced and credited; any discrepancy found is highlighted (none expected).",
    filters: {},
    path: () => '/v1/reports/payments',
    render: paymentSections,
  },
  {
    id: 'status',
    title: 'Orders by status',
    hint: 'How many orders were in each status at the end of each day or ISO week (UTC); the period under way is counted now.',
    filters: { range: true, period: true },
    path: (query) => `/v1/reports/status?${query}`,
    render: statusSections,
  },
];

export const reportById = (id) => REPORTS.find((report) => report.id === id) ?? REPORTS[0];

let chartLibrary;
/** Chart.js's UMD build, loaded once by a classic script (window.Chart); null if it cannot be loaded. */
function loadChartJs() {
  chartLibrary ??= new Promise((resolve) => {
    if (window.Chart) return resolve(window.Chart);
    const script = h('script', { src: '/static/vendor/chart.umd.min.js' });
    script.addEventListener('load', () => resolve(window.Chart ?? null));
    script.addEventListener('error', () => {
      chartLibrary = undefined;
      resolve(null);
    });
    document.head.append(script);
  });
  return chartLibrary;
}

let charts = [];
function destroyCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

/** One report in `content`: its filters, then a section per table (chart, caption, table, CSV); refreshed every 30 s. */
export function showReports(content, report) {
  destroyCharts();
  const tabs = h(
    'nav',
    { class: 'report-tabs', 'aria-label': 'Reports' },
    REPORTS.map((each) =>
      h(
        'a',
        {
          href: `#reports/${each.id}`,
          class: each.id === report.id ? 'active' : null,
          'aria-current': each.id === report.id ? 'page' : null,
          dataset: { report: each.id },
        },
        each.title,
      ),
    ),
  );
  const from = h('input', { type: 'date', name: 'from', value: daysAgo(27), max: today() });
  const to = h('input', { type: 'date', name: 'to', value: today(), max: today() });
  const periodSelect = h(
    'select',
    { name: 'period' },
    h('option', { value: 'day' }, 'Day'),
    h('option', { value: 'week' }, 'Week'),
  );
  periodSelect.addEventListener('change', () => {
    // Twelve weeks or four weeks of days, as the API's defaults.
    from.value = periodSelect.value === 'week' ? daysAgo(7 * 11 + 6) : daysAgo(27);
  });
  const { range, period: hasPeriod } = report.filters;
  const form =
    range || hasPeriod
      ? h(
          'form',
          {
            class: 'report-filters',
            dataset: { reportFilters: report.id },
            onsubmit: (event) => {
              event.preventDefault();
              load();
            },
          },
          range ? [h('label', {}, 'From', from), h('label', {}, 'To', to)] : null,
          hasPeriod ? h('label', {}, 'Period', periodSelect) : null,
          h('button', { type: 'submit', class: 'primary' }, 'Show'),
        )
      : null;
  const holder = h(
    'div',
    { class: 'report-body', dataset: { reportBody: report.id } },
    h('p', { class: 'empty' }, 'Loading…'),
  );
  mount(
    content,
    pageHead(report.title, report.hint, h('button', { type: 'button', onclick: () => load() }, 'Refresh')),
    tabs,
    form ? h('div', { class: 'card' }, h('div', { class: 'body' }, form)) : null,
    holder,
  );

  function query() {
    const parameters = new URLSearchParams();
    if (range) {
      if (from.value) parameters.set('from', from.value);
      if (to.value) parameters.set('to', to.value);
    }
    if (hasPeriod) parameters.set('period', periodSelect.value);
    return parameters.toString();
  }

  let shown; // the last answer drawn, as JSON: a refresh that brings the same redraws nothing
  async function load(quiet = false) {
    try {
      const [data, Chart] = await Promise.all([api('GET', report.path(query())), loadChartJs()]);
      if (!holder.isConnected) return;
      const json = JSON.stringify(data);
      if (quiet && json === shown) return;
      shown = json;
      destroyCharts();
      const sections = report.render(data);
      redraw(
        holder,
        Chart
          ? null
          : notice('info', h('span', {}, 'The charts could not be loaded; the tables below hold every figure.')),
        sections.map((section) => drawSection(section, Chart)),
      );
      for (const section of sections) if (section.chart && Chart) charts.push(section.chart.draw(Chart));
    } catch (problem) {
      if (!holder.isConnected) return;
      shown = undefined;
      const shownProblem = problemNotice(problem, `Loading the ${report.title.toLowerCase()} report`);
      if (shownProblem) mount(holder, shownProblem);
    }
  }

  load();
  every(30_000, () => load(true));
}

/**
 * A section: `{ id, title, summary, chart?: { label, make(Chart, canvas) }, columns, rows, foot?, empty?, before? }`;
 * a row is `{ cells: [text or node], csv?: [text], class?, data? }`. The CSV holds what the table shows.
 */
function drawSection(section, Chart) {
  const canvas = section.chart && Chart ? h('canvas', { role: 'img', 'aria-label': section.summary }) : null;
  if (section.chart) section.chart.draw = (Library) => section.chart.make(Library, canvas);
  const table = h(
    'table',
    { class: 'report', dataset: { reportTable: section.id } },
    h('caption', {}, section.title),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        section.columns.map((column) => h('th', { class: column.num ? 'num' : null }, column.label)),
      ),
    ),
    h(
      'tbody',
      {},
      section.rows.length === 0
        ? h(
            'tr',
            {},
            h('td', { colspan: section.columns.length, class: 'empty' }, section.empty ?? 'Nothing in this range.'),
          )
        : section.rows.map((row) => tableRow(section, row)),
    ),
    section.foot?.length
      ? h(
          'tfoot',
          {},
          section.foot.map((row) => tableRow(section, row)),
        )
      : null,
  );
  return h(
    'section',
    { class: 'card report-section', dataset: { reportSection: section.id } },
    h(
      'header',
      {},
      h('h2', {}, section.title),
      h(
        'button',
        { type: 'button', dataset: { csv: section.id }, onclick: () => downloadCsv(section) },
        'Download CSV',
      ),
    ),
    section.before ?? null,
    canvas
      ? h(
          'figure',
          { class: 'report-figure' },
          h('div', { class: 'report-chart' }, canvas),
          h('figcaption', { class: 'muted' }, section.summary, ' The table below holds every figure.'),
        )
      : h('p', { class: 'muted report-summary' }, section.summary),
    h('div', { class: 'report-table' }, table),
  );
}

function tableRow(section, row) {
  return h(
    'tr',
    { class: row.class ?? null, dataset: row.data ?? {} },
    row.cells.map((cell, index) => h('td', { class: section.columns[index].num ? 'num' : null }, cell)),
  );
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; lines end with CRLF. */
export function toCsv(lines) {
  const field = (value) => {
    const text = String(value ?? '');
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return lines.map((line) => line.map(field).join(',')).join('\r\n') + '\r\n';
}

function csvOf(section) {
  const text = (cell) => (cell instanceof Node ? cell.textContent : String(cell ?? ''));
  return toCsv([
    section.columns.map((column) => column.label),
    ...[...section.rows, ...(section.foot ?? [])].map((row) => row.csv ?? row.cells.map(text)),
  ]);
}

function downloadCsv(section) {
  const url = URL.createObjectURL(new Blob([csvOf(section)], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { href: url, download: `${section.id}-${today()}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const baseOptions = (extra = {}) => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: 'index', intersect: false },
  plugins: { legend: { position: 'bottom' } },
  ...extra,
});

// Sales: one section per currency, net revenue per period and the projection dashed.
function salesSections(data) {
  if (data.series.length === 0)
    return [
      {
        id: 'sales',
        title: `Sales ${data.from} – ${data.to}`,
        summary: 'No orders, shipments or invoices in this range.',
        columns: SALES_COLUMNS,
        rows: [],
      },
    ];
  return data.series.map((series) => {
    const { currency, periods, projection, totals } = series;
    const figures = (figure, extra = []) => [
      figure.orders,
      figure.unitsOrdered,
      figure.unitsShipped,
      money(figure.invoiced.amount, currency),
      money(figure.credited.amount, currency),
      money(figure.netRevenue.amount, currency),
      ...extra,
    ];
    const rows = periods.map((row) => ({
      cells: [period(row), ...figures(row), row.complete ? 'actual' : 'so far'],
      data: { period: row.start },
    }));
    if (projection) {
      rows.push(
        {
          cells: [period(projection.current), ...figures(projection.current.projected), 'projected'],
          class: 'projected',
          data: { projected: 'current' },
        },
        {
          cells: [period(projection.next), ...figures(projection.next.projected), 'projected'],
          class: 'projected',
          data: { projected: 'next' },
        },
      );
    }
    const labels = periods.map((row) => row.start);
    if (projection && !labels.includes(projection.next.start)) labels.push(projection.next.start);
    const actual = periods.map((row) => major(row.netRevenue.amount, currency));
    const projected = labels.map(() => null);
    if (projection) {
      const currentIndex = labels.indexOf(projection.current.start);
      if (currentIndex > 0) projected[currentIndex - 1] = actual[currentIndex - 1];
      if (currentIndex >= 0) projected[currentIndex] = major(projection.current.projected.netRevenue.amount, currency);
      projected[labels.indexOf(projection.next.start)] = major(projection.next.projected.netRevenue.amount, currency);
    }
    const summary = `Net revenue in ${currency} per ${data.period} from ${data.from} to ${data.to}: ${money(
      totals.netRevenue.amount,
      currency,
    )} over ${totals.orders} orders.${
      projection
        ? ` Projected: ${money(projection.current.projected.netRevenue.amount, currency)} for the ${data.period} of ${projection.current.start}, ${money(projection.next.projected.netRevenue.amount, currency)} for the next (dashed).`
        : ' No projection: no complete period to average.'
    }`;
    return {
      id: `sales-${currency}`,
      title: `Sales in ${currency}`,
      summary,
      columns: SALES_COLUMNS,
      rows,
      foot: [{ cells: ['Total', ...figures(totals), ''], class: 'total' }],
      chart: {
        make: (Chart, canvas) =>
          new Chart(canvas, {
            type: 'line',
            data: {
              labels,
              datasets: [
                {
                  label: `Net revenue (${currency})`,
                  data: actual,
                  borderColor: PALETTE.revenue,
                  backgroundColor: 'rgba(67, 56, 202, 0.12)',
                  fill: true,
                  tension: 0.2,
                },
                {
                  label: `Projection (${currency})`,
                  data: projected,
                  borderColor: PALETTE.returned,
                  borderDash: [6, 4],
                  pointStyle: 'rectRot',
                  spanGaps: false,
                  fill: false,
                },
              ],
            },
            options: baseOptions({ scales: { y: { beginAtZero: true, title: { display: true, text: currency } } } }),
          }),
      },
    };
  });
}
const SALES_COLUMNS = [
  { label: 'Period' },
  { label: 'Orders', num: true },
  { label: 'Units ordered', num: true },
  { label: 'Units shipped', num: true },
  { label: 'Invoiced', num: true },
  { label: 'Credited', num: true },
  { label: 'Net revenue', num: true },
  { label: 'Figures' },
];

// Products: ordered vs shipped vs returned per SKU, grouped bars.
function productSections(data) {
  const quantities = (row) => [
    row.ordered,
    row.approved,
    row.shipped,
    row.delivered,
    row.returned,
    row.cancelled,
    row.rejected,
    row.variance.open,
    row.variance.kept,
  ];
  const { totals } = data;
  return [
    {
      id: 'products',
      title: 'Ordered, shipped and returned per SKU',
      summary: `${data.items.length} SKUs over the orders placed ${data.from ?? 'from the beginning'} to ${
        data.to ?? 'now'
      }: ${totals.ordered} units ordered, ${totals.shipped} shipped, ${totals.returned} returned, ${totals.variance.open} still to ship.`,
      columns: [
        { label: 'SKU' },
        { label: 'Product' },
        ...['Ordered', 'Approved', 'Shipped', 'Delivered', 'Returned', 'Cancelled', 'Rejected', 'Open', 'Kept'].map(
          (label) => ({ label, num: true }),
        ),
      ],
      rows: data.items.map((row) => ({ cells: [row.sku, row.name, ...quantities(row)], data: { sku: row.sku } })),
      foot: data.items.length ? [{ cells: ['Total', '', ...quantities(totals)], class: 'total' }] : [],
      chart: data.items.length
        ? {
            make: (Chart, canvas) =>
              new Chart(canvas, {
                type: 'bar',
                data: {
                  labels: data.items.map((row) => row.sku),
                  datasets: [
                    { label: 'Ordered', data: data.items.map((row) => row.ordered), backgroundColor: PALETTE.ordered },
                    { label: 'Shipped', data: data.items.map((row) => row.shipped), backgroundColor: PALETTE.shipped },
                    {
                      label: 'Returned',
                      data: data.items.map((row) => row.returned),
                      backgroundColor: PALETTE.returned,
                    },
                  ],
                },
                options: baseOptions({ scales: { y: { beginAtZero: true, title: { display: true, text: 'units' } } } }),
              }),
          }
        : null,
    },
  ];
}

// Customers: one section per currency, revenue per customer as bars.
function customerSections(data) {
  const currencies = [...new Set(data.items.map((row) => row.currency))];
  if (currencies.length === 0)
    return [
      {
        id: 'customers',
        title: 'Customer performance',
        summary: 'No customer placed an order in this range or has an open receivable.',
        columns: CUSTOMER_COLUMNS,
        rows: [],
      },
    ];
  return currencies.map((currency) => {
    const items = data.items.filter((row) => row.currency === currency);
    const amount = (value) => (value ? money(value.amount, currency) : '—');
    const top = items.slice(0, 20);
    return {
      id: `customers-${currency}`,
      title: `Customer performance in ${currency}`,
      summary: `${items.length} customers, ranked by ${words(data.sort)}; revenue of the orders placed ${
        data.from ?? 'from the beginning'
      } to ${data.to ?? 'now'}${items.length > top.length ? ` (the chart shows the first ${top.length})` : ''}.`,
      columns: CUSTOMER_COLUMNS,
      rows: items.map((row) => ({
        cells: [
          row.customerId,
          row.name,
          words(row.tier),
          row.paymentTerms,
          row.orders,
          row.cancelledOrders,
          row.rejectedOrders,
          amount(row.revenue),
          amount(row.averageOrderValue),
          row.returns.count,
          row.returns.units,
          amount(row.receivables.outstanding),
          amount(row.receivables.overdue),
        ],
        class: row.receivables.overdue.amount > 0 ? 'problem' : null,
        data: { customerId: row.customerId },
      })),
      chart: {
        make: (Chart, canvas) =>
          new Chart(canvas, {
            type: 'bar',
            data: {
              labels: top.map((row) => row.name),
              datasets: [
                {
                  label: `Revenue (${currency})`,
                  data: top.map((row) => major(row.revenue.amount, currency)),
                  backgroundColor: PALETTE.revenue,
                },
                {
                  label: `Outstanding (${currency})`,
                  data: top.map((row) => major(row.receivables.outstanding.amount, currency)),
                  backgroundColor: PALETTE.returned,
                },
              ],
            },
            options: baseOptions({ indexAxis: 'y', scales: { x: { beginAtZero: true } } }),
          }),
      },
    };
  });
}
const CUSTOMER_COLUMNS = [
  { label: 'Customer' },
  { label: 'Name' },
  { label: 'Tier' },
  { label: 'Terms' },
  { label: 'Orders', num: true },
  { label: 'Cancelled', num: true },
  { label: 'Rejected', num: true },
  { label: 'Revenue', num: true },
  { label: 'Average order', num: true },
  { label: 'Returns', num: true },
  { label: 'Units returned', num: true },
  { label: 'Outstanding', num: true },
  { label: 'Overdue', num: true },
];

// Payments: a table with totals per currency; the orders with a discrepancy highlighted and listed first.
const MONEY_FIELDS = ['authorized', 'captured', 'voided', 'refunded', 'invoiced', 'credited'];
function paymentSections(data) {
  const problems = new Map();
  for (const { orderId, problem } of data.discrepancies)
    problems.set(orderId, [...(problems.get(orderId) ?? []), problem]);
  const orders = [...data.orders].sort((a, b) => Number(problems.has(b.orderId)) - Number(problems.has(a.orderId)));
  const totals = new Map();
  for (const order of data.orders) {
    const sum = totals.get(order.currency) ?? {
      count: 0,
      ...Object.fromEntries(MONEY_FIELDS.map((field) => [field, 0])),
    };
    sum.count += 1;
    for (const field of MONEY_FIELDS) sum[field] += order[field];
    totals.set(order.currency, sum);
  }
  const count = data.discrepancies.length;
  return [
    {
      id: 'payments',
      title: 'Payment reconciliation',
      summary: `${data.orders.length} orders; ${
        count === 0
          ? 'no discrepancy found.'
          : `${count} discrepancies on ${problems.size} orders (highlighted, listed first).`
      }`,
      before:
        count > 0
          ? h(
              'div',
              { class: 'body' },
              notice(
                'error',
                h('strong', {}, `${count} discrepancies`),
                h(
                  'ul',
                  {},
                  data.discrepancies.map((found) => h('li', {}, orderLink(found.orderId), ': ', found.problem)),
                ),
              ),
            )
          : null,
      columns: [
        { label: 'Order' },
        { label: 'Status' },
        { label: 'Method' },
        { label: 'Currency' },
        ...MONEY_FIELDS.map((field) => ({ label: words(field), num: true })),
        { label: 'Problems' },
      ],
      rows: orders.map((order) => ({
        cells: [
          orderLink(order.orderId),
          words(order.status),
          order.paymentMethod,
          order.currency,
          ...MONEY_FIELDS.map((field) => money(order[field], order.currency)),
          (problems.get(order.orderId) ?? []).join('; '),
        ],
        class: problems.has(order.orderId) ? 'problem' : null,
        data: { orderId: order.orderId },
      })),
      empty: 'No orders yet.',
      foot: [...totals].map(([currency, sum]) => ({
        cells: [
          `Total (${sum.count} orders)`,
          '',
          '',
          currency,
          ...MONEY_FIELDS.map((field) => money(sum[field], currency)),
          '',
        ],
        class: 'total',
      })),
    },
  ];
}

// Orders by status: stacked bars per period, a dataset per status that occurs.
function statusSections(data) {
  const statuses = Object.keys(STATUS_COLOURS).filter((status) =>
    data.periods.some((row) => (row.counts[status] ?? 0) > 0),
  );
  const total = (row) => statuses.reduce((sum, status) => sum + row.counts[status], 0);
  const last = data.periods.at(-1);
  return [
    {
      id: 'status',
      title: `Orders by status per ${data.period}`,
      summary: last
        ? `Orders by status at the end of each ${data.period} from ${data.from} to ${data.to}. Now: ${
            statuses.map((status) => `${last.counts[status]} ${words(status)}`).join(', ') || 'no orders'
          }.`
        : 'No periods in this range.',
      columns: [
        { label: 'Period' },
        ...statuses.map((status) => ({ label: words(status), num: true })),
        { label: 'Total', num: true },
      ],
      rows: statuses.length
        ? data.periods.map((row) => ({
            cells: [period(row), ...statuses.map((status) => row.counts[status]), total(row)],
            data: { period: row.start },
          }))
        : [],
      empty: 'No orders placed by the end of this range.',
      chart: statuses.length
        ? {
            make: (Chart, canvas) =>
              new Chart(canvas, {
                type: 'bar',
                data: {
                  labels: data.periods.map((row) => row.start),
                  datasets: statuses.map((status) => ({
                    label: words(status),
                    data: data.periods.map((row) => row.counts[status]),
                    backgroundColor: STATUS_COLOURS[status],
                  })),
                },
                options: baseOptions({
                  scales: {
                    x: { stacked: true },
                    y: { stacked: true, beginAtZero: true, title: { display: true, text: 'orders' } },
                  },
                }),
              }),
          }
        : null,
    },
  ];
}
