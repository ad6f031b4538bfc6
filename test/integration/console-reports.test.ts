import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ROLES, type Role } from '../../config';
import { screenshot } from '../support/browser';
import { useConsole } from '../support/console';
import { eventually } from '../support/helpers';
import { orderBody } from '../support/oms';

/**
 * The console's reports screen (issue 19, point 4) in headless Chromium on the real stack, at 1280 px: every report
 * as a Chart.js chart (served from node_modules under the page's CSP) with its caption and table, the table matching
 * the API's JSON, a CSV download holding what the table shows, and the date range sent to the API. Any key may read
 * the reports. Auto fulfilment with a short return window, so delivered orders complete during the file.
 */
const harness = useConsole({ settings: { returnWindowMs: 2_000 } });
const { oms, place } = harness;
const placed: string[] = [];
let waiting: string;

beforeAll(async () => {
  placed.push(
    ...(await Promise.all([
      place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] })),
      place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 1 }] })),
      place(
        orderBody({
          customerId: 'CUST-GLOBEX',
          lines: [{ sku: 'TEE-M', quantity: 2 }],
          payment: { method: 'invoice' },
        }),
      ),
    ])),
  );
  // After Acme's first orders (a first order above the risk limit would be held): $3,897 of laptops, within the
  // approval limit, and six laptops beyond it.
  placed.push(await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 3 }] })));
  waiting = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 6 }] }));
  await Promise.all([
    ...placed.map((id) => oms.waitForStatus(id, 'COMPLETED')),
    oms.waitForStatus(waiting, 'AWAITING_APPROVAL'),
  ]);
}, 120_000);

/** The console signed in, once its sidebar links to the reports. */
async function consoleAs(role: Role, hash = ''): Promise<Page> {
  const page = await harness.consoleAs(role, hash);
  await page.locator('nav[aria-label=Reports] a[data-screen=reports]').waitFor();
  return page;
}

/** The requests the page sends to a report, as paths with their query. */
function reportRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/v1/reports/')) seen.push(url.pathname + url.search);
  });
  return seen;
}

/** The chart in a section: drawn by Chart.js on a canvas of non-zero size; its labels and datasets. */
async function chartOf(page: Page, section: string) {
  await page.locator(`[data-report-section="${section}"] canvas`).waitFor();
  return page.locator(`[data-report-section="${section}"] canvas`).evaluate((canvas: any) => {
    const chart = (globalThis as any).Chart.getChart(canvas);
    const box = canvas.getBoundingClientRect();
    return {
      drawn: Boolean(chart),
      width: box.width,
      height: box.height,
      label: canvas.getAttribute('aria-label'),
      labels: chart?.data.labels,
      datasets: chart?.data.datasets.map((dataset: any) => ({
        label: dataset.label,
        data: dataset.data,
        borderDash: dataset.borderDash,
      })),
    };
  });
}

/** A section's table as text: header, body rows and footer rows. */
async function tableOf(page: Page, section: string) {
  return page.locator(`table[data-report-table="${section}"]`).evaluate((table) => {
    const cells = (row: any): string[] => [...row.children].map((cell: any) => cell.textContent ?? '');
    return {
      head: cells(table.querySelector('thead tr')!),
      body: [...table.querySelectorAll('tbody tr')].map(cells),
      foot: [...table.querySelectorAll('tfoot tr')].map(cells),
    };
  });
}

/** RFC 4180 parsing, enough to check the download. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += char;
  }
  return rows;
}

/** Downloads a section's CSV and checks it holds exactly what its table shows. */
async function expectCsvMatchesTable(page: Page, section: string) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-csv="${section}"]`)]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^${section}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const csv = readFileSync((await download.path())!, 'utf8');
  const table = await tableOf(page, section);
  expect(parseCsv(csv)).toEqual([table.head, ...table.body, ...table.foot]);
  return csv;
}

/** The page fits a 1280 px window: nothing wider than the window (wide tables scroll inside their card). */
async function expectFits(page: Page) {
  expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
}

/** Waits until `read` answers something `accept` takes (10 s), and checks it did. */
async function until<T>(read: () => T | Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const value = await eventually(read, accept);
  expect(accept(value) ? 'accepted' : value).toBe('accepted');
  return value;
}

const api = async (path: string) => {
  const answer = await oms.request('GET', path, { as: 'admin' });
  expect(answer.status).toBe(200);
  return answer.body;
};

describe('the reports screen', () => {
  // Before the system stops: the order waiting for approval is decided.
  afterAll(async () => {
    if (waiting)
      await oms.request('POST', `/v1/orders/${waiting}/reject`, { as: 'approver', body: { reason: 'test done' } });
  });

  it('is offered to every role, and the chart library loads from this server under the CSP', async () => {
    const vendor = await fetch(`${oms.baseUrl}/static/vendor/chart.umd.min.js`);
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get('content-type')).toContain('javascript');
    expect(vendor.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await vendor.text()).toContain('Chart.js v4');

    for (const role of ROLES) {
      const page = await consoleAs(role);
      await page.click('a[data-screen=reports]');
      await page.locator('[data-report-body=sales] [data-report-section]').first().waitFor();
      expect(await page.locator('a[data-screen=reports]').getAttribute('class')).toContain('active');
      expect(
        await page.locator('.report-tabs a').evaluateAll((links) => links.map((link) => link.textContent)),
      ).toEqual(['Sales', 'Products', 'Customers', 'Payments', 'Orders by status']);
      expect((await chartOf(page, 'sales-USD')).drawn).toBe(true);
      await page.context().close();
    }
  });

  it('sales: net revenue per period with the projection dashed, the table as the API answers, CSV, date range', async () => {
    const page = await consoleAs('sales', '#reports/sales');
    const requests = reportRequests(page);
    await page.locator('[data-report-section=sales-USD] canvas').waitFor();
    const chart = await chartOf(page, 'sales-USD');
    expect(chart.drawn).toBe(true);
    expect(chart.width).toBeGreaterThan(600);
    expect(chart.height).toBeGreaterThan(200);
    expect(chart.datasets.map((dataset: any) => dataset.label)).toEqual(['Net revenue (USD)', 'Projection (USD)']);
    expect(chart.datasets[1].borderDash).toEqual([6, 4]);
    expect(chart.label).toContain('Net revenue in USD per day');
    expect(await page.locator('[data-report-section=sales-USD] figcaption').innerText()).toContain('Projected');

    const report = await api('/v1/reports/sales?period=day');
    const usd = report.series.find((series: any) => series.currency === 'USD');
    const table = await tableOf(page, 'sales-USD');
    expect(table.body).toHaveLength(usd.periods.length + (usd.projection ? 2 : 0));
    expect(table.body.slice(0, usd.periods.length).map((row) => Number(row[1]))).toEqual(
      usd.periods.map((row: any) => row.orders),
    );
    expect(table.foot[0].slice(0, 2)).toEqual(['Total', String(usd.totals.orders)]);
    expect(table.foot[0][6]).toBe(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(usd.totals.netRevenue.amount / 100),
    );
    expect(usd.totals.orders).toBe(5); // every order placed: none rejected yet
    await expectCsvMatchesTable(page, 'sales-USD');
    await expectFits(page);
    await screenshot(page, 'console-reports-sales');

    // Weeks over a range: the request carries them, and the table follows.
    requests.length = 0;
    await page.selectOption('select[name=period]', 'week');
    const from = new Date(Date.now() - 21 * 86_400_000).toISOString().slice(0, 10);
    await page.fill('input[name=from]', from);
    await page.locator('input[name=from]').press('Enter');
    await until(
      () => requests.length,
      (count) => count > 0,
    );
    const sent = new URLSearchParams(requests[0].split('?')[1]);
    expect(Object.fromEntries(sent)).toEqual({ from, to: expect.any(String), period: 'week' });
    const weekly = await api(requests[0]);
    const firstWeek = `${weekly.series[0].periods[0].start} – ${weekly.series[0].periods[0].end}`;
    await until(
      async () => (await tableOf(page, 'sales-USD')).body[0]?.[0],
      (label) => label === firstWeek,
    );
  });

  it('products: ordered vs shipped vs returned per SKU as grouped bars, the table and the CSV', async () => {
    const page = await consoleAs('warehouse', '#reports/products');
    const requests = reportRequests(page);
    const chart = await chartOf(page, 'products');
    expect(chart.drawn).toBe(true);
    expect(chart.width).toBeGreaterThan(600);
    expect(chart.datasets.map((dataset: any) => dataset.label)).toEqual(['Ordered', 'Shipped', 'Returned']);
    const report = await api('/v1/reports/products');
    const table = await tableOf(page, 'products');
    expect(table.body.map((row) => [row[0], Number(row[2]), Number(row[4]), Number(row[6])])).toEqual(
      report.items.map((row: any) => [row.sku, row.ordered, row.shipped, row.returned]),
    );
    expect(chart.labels).toEqual(report.items.map((row: any) => row.sku));
    expect(table.body.find((row) => row[0] === 'MUG-BLK')?.slice(2, 5)).toEqual(['4', '4', '4']);
    await expectCsvMatchesTable(page, 'products');

    // A range that holds none of the orders: the request names it and the table empties.
    requests.length = 0;
    await page.fill('input[name=from]', '2025-01-01');
    await page.fill('input[name=to]', '2025-01-31');
    await page.click('[data-report-filters=products] button[type=submit]');
    await until(
      () => requests,
      (seen) => seen.includes('/v1/reports/products?from=2025-01-01&to=2025-01-31'),
    );
    await page.locator('table[data-report-table=products] td.empty').waitFor();
    expect(await page.locator('[data-report-section=products] canvas').count()).toBe(0);
    await expectFits(page);
  });

  it('customers: revenue per customer as bars, one section per currency, the table and the CSV', async () => {
    const page = await consoleAs('approver', '#reports/customers');
    const chart = await chartOf(page, 'customers-USD');
    expect(chart.drawn).toBe(true);
    const report = await api('/v1/reports/customers');
    const usd = report.items.filter((row: any) => row.currency === 'USD');
    const table = await tableOf(page, 'customers-USD');
    expect(table.body.map((row) => [row[0], Number(row[4])])).toEqual(
      usd.map((row: any) => [row.customerId, row.orders]),
    );
    expect(chart.labels).toEqual(usd.map((row: any) => row.name));
    expect(table.body.map((row) => row[0])).toEqual(expect.arrayContaining(['CUST-ACME', 'CUST-GLOBEX']));
    await expectCsvMatchesTable(page, 'customers-USD');
    await expectFits(page);
    await screenshot(page, 'console-reports-customers');
  });

  it('payments: every order with totals per currency, no discrepancy, and the CSV', async () => {
    const page = await consoleAs('support', '#reports/payments');
    await page.locator('table[data-report-table=payments]').waitFor();
    expect(await page.locator('[data-report-filters]').count()).toBe(0); // the API takes no date range
    const report = await api('/v1/reports/payments');
    const table = await tableOf(page, 'payments');
    expect(table.body.map((row) => row[0]).sort()).toEqual(report.orders.map((row: any) => row.orderId).sort());
    expect(table.body.map((row) => row[0])).toEqual(expect.arrayContaining([...placed, waiting]));
    expect(report.discrepancies).toEqual([]);
    expect(await page.locator('table[data-report-table=payments] tr.problem').count()).toBe(0);
    const captured = report.orders.reduce((sum: number, row: any) => sum + row.captured, 0);
    expect(table.foot).toHaveLength(1);
    expect(table.foot[0][0]).toBe(`Total (${report.orders.length} orders)`);
    expect(table.foot[0][5]).toBe(
      new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(captured / 100),
    );
    expect(await page.locator('[data-report-section=payments] .report-summary').innerText()).toContain(
      'no discrepancy found',
    );
    const csv = await expectCsvMatchesTable(page, 'payments');
    expect(csv).toMatch(/,"\$\d{1,3},\d{3}\.\d\d",/); // amounts of $1,000 and more hold a comma: quoted

    // An order's id opens its page.
    await page.click(`table[data-report-table=payments] a[data-order-link="${placed[0]}"]`);
    await page.waitForURL(`**#order/${placed[0]}`);
  });

  it('orders by status: stacked bars per period from /v1/reports/status, the table, the CSV and the period', async () => {
    const page = await consoleAs('carrier', '#reports/status');
    const requests = reportRequests(page);
    const chart = await chartOf(page, 'status');
    expect(chart.drawn).toBe(true);
    expect(chart.height).toBeGreaterThan(200);
    const report = await api('/v1/reports/status?period=day');
    const last = report.periods.at(-1);
    expect(last.counts).toMatchObject({ COMPLETED: 4, AWAITING_APPROVAL: 1 });
    const table = await tableOf(page, 'status');
    expect(table.head).toEqual(['Period', 'awaiting approval', 'completed', 'Total']);
    expect(table.body).toHaveLength(report.periods.length);
    expect(table.body.at(-1)).toEqual([last.start, '1', '4', '5']);
    expect(chart.datasets.map((dataset: any) => dataset.label)).toEqual(['awaiting approval', 'completed']);
    expect(chart.label).toContain('1 awaiting approval, 4 completed');
    await expectCsvMatchesTable(page, 'status');

    requests.length = 0;
    await page.selectOption('select[name=period]', 'week');
    await page.click('[data-report-filters=status] button[type=submit]');
    await until(
      () => requests.join(),
      (seen) => seen.includes('period=week'),
    );
    await until(
      async () => (await tableOf(page, 'status')).body.at(-1)?.[0] ?? '',
      (label) => label.includes(' – '),
    );
    await expectFits(page);
    await screenshot(page, 'console-reports-status');
  });
});
