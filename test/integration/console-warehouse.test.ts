import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * The console's warehouse screens (issue 19, point 3): pick lists by warehouse and wave with confirmation and short
 * picks, receipts and adjustments, stock with low-stock highlighting, the ledger; in headless Chromium against the
 * real stack. Manual fulfilment keeps orders at their pick lists until staff confirm them.
 */
const { oms, consoleAs, place } = useConsole({ settings: { fulfillmentMode: 'manual' } });

interface PickList {
  id: string;
  orderId: string;
  warehouse: string;
  wave: string;
  lines: { sku: string; quantity: number }[];
}
const openLists = async (): Promise<PickList[]> =>
  (await oms.request('GET', '/v1/pick-lists?status=open', { as: 'warehouse' })).body.items;

/** The open pick list of `orderId` (other than `except`), once the order has one. */
async function openPickList(orderId: string, except?: string): Promise<PickList> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const list = (await openLists()).find((item) => item.orderId === orderId && item.id !== except);
    if (list) return list;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no open pick list for ${orderId}`);
}

const stockOf = async (warehouse: string, sku: string) =>
  (await oms.request('GET', `/v1/inventory?warehouse=${warehouse}&sku=${sku}`)).body.items[0];

describe('pick lists', () => {
  it('shows each open pick list under its warehouse and wave in the API order, and confirms a short pick', async () => {
    const standard = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 3 }] }));
    const critical = await place(orderBody({ customerId: 'CUST-INITECH', lines: [{ sku: 'TEE-M', quantity: 1 }] }));
    const [first, urgent] = await Promise.all([openPickList(standard), openPickList(critical)]);
    expect(first.warehouse).toBe('EWR');

    const page = await consoleAs('warehouse', '#warehouse/pick-lists');
    const card = page.locator(
      `.pick-warehouse[data-warehouse=EWR] .pick-wave[data-wave="${first.wave}"] article[data-pick-list="${first.id}"]`,
    );
    await card.waitFor();
    await page.locator(`article[data-pick-list="${urgent.id}"]`).waitFor();
    expect(await page.locator('nav[aria-label=Warehouse] a.active').innerText()).toBe('Pick lists');
    // The API's order (wave, then highest priority, then oldest), grouped without reordering.
    const onScreen = await page
      .locator('article[data-pick-list]')
      .evaluateAll((cards) => cards.map((element) => element.getAttribute('data-pick-list')));
    expect(onScreen).toEqual((await openLists()).map((item) => item.id));
    if (urgent.wave === first.wave) expect(onScreen.indexOf(urgent.id)).toBeLessThan(onScreen.indexOf(first.id));
    expect(await card.locator('a[data-order-link]').getAttribute('href')).toBe(`#order/${standard}`);
    expect(await card.locator('.priority').innerText()).toBe('P3');
    expect(await page.locator(`article[data-pick-list="${urgent.id}"] .priority`).innerText()).toBe('P1');

    // Picked starts at the full quantity; a lower number is shown as a short pick before anything is sent.
    const picked = card.locator(`input[data-pick-line="${first.id}|MUG-BLK"]`);
    const submit = card.locator('button[type=submit]');
    expect(await picked.inputValue()).toBe('3');
    expect(await submit.innerText()).toBe('Confirm picked');
    const confirms: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/v1/pick-lists/'))
        confirms.push(request.postDataJSON());
    });
    await picked.fill('1');
    const summary = card.locator('[data-short-summary] .notice');
    expect(await summary.innerText()).toContain('MUG-BLK: 1 of 3 (2 short)');
    expect(await submit.innerText()).toBe('Confirm short pick');
    await picked.fill('4'); // more than the list asks for: not sendable
    expect(await submit.isDisabled()).toBe(true);
    await picked.fill('1');
    await screenshot(page, 'console-warehouse-pick-lists');
    await picked.press('Enter');

    const answer = page.locator(`[data-pick-answer] .notice.ok[data-confirmed="${first.id}"]`);
    await answer.waitFor();
    expect(confirms).toEqual([{ lines: [{ sku: 'MUG-BLK', pickedQuantity: 1 }] }]);
    expect(await answer.innerText()).toContain('short pick');
    expect(await answer.locator('.badge').getAttribute('data-status')).toBeTruthy();
    await card.waitFor({ state: 'detached' });

    // The order's EWR shipment shrank to what was picked; the rest comes from Reno, whose new pick list shows
    // up on the screen without a reload.
    const second = await openPickList(standard, first.id);
    expect(second.warehouse).toBe('RNO');
    expect(second.lines).toEqual([expect.objectContaining({ sku: 'MUG-BLK', quantity: 2 })]);
    const order = (await oms.request('GET', `/v1/orders/${standard}`)).body;
    expect(order.shipments[0]).toMatchObject({ warehouse: 'EWR', lines: [expect.objectContaining({ quantity: 1 })] });
    const secondCard = page.locator(
      `.pick-warehouse[data-warehouse=RNO] .pick-wave[data-wave="${second.wave}"] article[data-pick-list="${second.id}"]`,
    );
    await secondCard.waitFor({ timeout: 15_000 });
    expect(await secondCard.locator('tr[data-sku=MUG-BLK] td.num').innerText()).toBe('2');

    // Picked in full: the order ships.
    await secondCard.locator('button[type=submit]').click();
    const shipped = page.locator(`[data-pick-answer] .notice.ok[data-confirmed="${second.id}"]`);
    await shipped.waitFor();
    expect(await shipped.locator('.badge').getAttribute('data-status')).toBe('SHIPPED');
    expect(confirms[1]).toEqual({ lines: [{ sku: 'MUG-BLK', pickedQuantity: 2 }] });
    await oms.waitForStatus(standard, 'SHIPPED');

    // Confirmed lists, with what was picked.
    await page.selectOption('select[name=status]', 'confirmed');
    const done = page.locator(`article[data-pick-list="${first.id}"]`);
    await done.waitFor();
    expect(await done.locator('tr[data-sku=MUG-BLK]').innerText()).toContain('short 2');

    // The ledger, filtered by the order: its movements, each linking to the order's page.
    await page.click('nav[aria-label=Warehouse] >> text=Stock ledger');
    await page.fill('form[data-form=ledger-filters] input[name=orderId]', standard);
    await page.press('form[data-form=ledger-filters] input[name=orderId]', 'Enter');
    const shipRow = page.locator('table.ledger tr[data-reason=ship]').first();
    await shipRow.waitFor();
    const reasons = await page
      .locator('table.ledger tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-reason')));
    expect(reasons).toContain('reserve');
    expect(reasons).toContain('adjustment');
    await shipRow.locator('a[data-order-link]').click();
    await page.waitForURL(`**#order/${standard}`);
    await page.locator('.order-head .badge[data-status=SHIPPED]').waitFor();

    await oms.request('POST', `/v1/orders/${critical}/cancel`, { as: 'support', body: { reason: 'test done' } });
  });

  it('shows the API refusing a confirmation of a list cancelled meanwhile', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'TEE-M', quantity: 2 }] }));
    const list = await openPickList(id);
    const page = await consoleAs('admin', '#warehouse/pick-lists', { fakeClock: true });
    const card = page.locator(`article[data-pick-list="${list.id}"]`);
    await card.waitFor();
    // The screen's refresh held still, the order cancelled behind its back: the confirmation is refused (409)
    // and the refusal shows next to the list, then the list is read again.
    await page.clock.pauseAt(Date.now() + 1_000);
    await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'test' } });
    await oms.waitForStatus(id, 'CANCELLED');
    await card.locator('button[type=submit]').click();
    const refusal = page.locator(`[data-pick-answer] .notice.error[data-refused="${list.id}"]`);
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain(`Confirmation of ${list.id} failed`);
    expect(await refusal.innerText()).toContain('409');
    expect(await page.locator(`article[data-pick-list="${list.id}"]`).count()).toBe(0);
  });
});

describe('stock, receipts and adjustments', () => {
  it('receives stock: on hand rises, the ledger has the row, the same reference again moves nothing', async () => {
    const before = await stockOf('EWR', 'BEANS-1KG');
    const page = await consoleAs('warehouse', '#warehouse/stock');
    const row = page.locator('tr[data-stock="EWR|BEANS-1KG"]');
    await row.waitFor();
    expect(Number(await row.locator('[data-on-hand]').getAttribute('data-on-hand'))).toBe(before.onHand);

    // The row's Receive button fills the form's warehouse and SKU and puts the cursor on the quantity.
    await row.locator('button', { hasText: 'Receive' }).click();
    const form = page.locator('form[data-form=receipt]');
    expect(await form.locator('select[name=warehouse]').inputValue()).toBe('EWR');
    expect(await form.locator('input[name=sku]').inputValue()).toBe('BEANS-1KG');
    await page.keyboard.type('7');
    await form.locator('input[name=reference]').fill('PO-CONSOLE-1');
    await form.locator('input[name=reference]').press('Enter');
    const done = form.locator('.notice.ok');
    await done.waitFor();
    expect(await done.innerText()).toContain('Received 7 × BEANS-1KG at EWR (PO-CONSOLE-1)');
    expect(await done.innerText()).toContain(`on hand ${before.onHand + 7}`);
    await page.locator(`tr[data-stock="EWR|BEANS-1KG"] [data-on-hand="${before.onHand + 7}"]`).waitFor();

    // Again with the same reference: nothing moves, and the form says so.
    await form.locator('input[name=quantity]').fill('7');
    await form.locator('input[name=reference]').fill('PO-CONSOLE-1');
    await form.locator('button[type=submit]').click();
    await form.locator('.notice.info', { hasText: 'already received' }).waitFor();
    expect((await stockOf('EWR', 'BEANS-1KG')).onHand).toBe(before.onHand + 7);
    await screenshot(page, 'console-warehouse-stock');

    // A malformed receipt: the API's reasons next to the form.
    await form.locator('input[name=sku]').fill('NO-SUCH-SKU');
    await form.locator('input[name=quantity]').fill('1');
    await form.locator('input[name=reference]').fill('PO-CONSOLE-2');
    await form.locator('button[type=submit]').click();
    const refusal = form.locator('.notice.error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('Receive stock failed');

    // The row's ledger link: the receipt, newest first.
    await row.locator('a', { hasText: 'Ledger' }).click();
    const newest = page.locator('table.ledger tbody tr').first();
    await newest.waitFor();
    expect(await page.locator('form[data-form=ledger-filters] input[name=sku]').inputValue()).toBe('BEANS-1KG');
    expect(await newest.getAttribute('data-reason')).toBe('receipt');
    expect(await newest.locator('[data-on-hand-delta]').innerText()).toBe('+7');
    expect(await newest.locator('.reference').innerText()).toBe('PO-CONSOLE-1');
    const skus = await page
      .locator('table.ledger tbody tr td:nth-child(3)')
      .evaluateAll((cells) => cells.map((cell) => cell.textContent));
    expect(new Set(skus)).toEqual(new Set(['BEANS-1KG']));
    await screenshot(page, 'console-warehouse-ledger');
  });

  it('adjusts stock, shows a refused adjustment next to the form, and highlights low stock by the rule on screen', async () => {
    const before = await stockOf('RNO', 'LAPTOP-14');
    expect(before.available).toBeGreaterThanOrEqual(10);
    const page = await consoleAs('warehouse', '#warehouse/stock');
    const row = page.locator('tr[data-stock="RNO|LAPTOP-14"]');
    await row.waitFor();
    expect(await page.locator('[data-low-rule]').innerText()).toContain('available below 10 units');
    expect(await row.getAttribute('data-state')).toBe('ok');

    const form = page.locator('form[data-form=adjustment]');
    await row.locator('button', { hasText: 'Adjust' }).click();
    await page.keyboard.type(String(-(before.available - 4)));
    await form.locator('input[name=reason]').fill('cycle count');
    await form.locator('input[name=reason]').press('Enter');
    await form.locator('.notice.ok').waitFor();
    expect(await form.locator('.notice.ok').innerText()).toContain('available 4');
    expect((await stockOf('RNO', 'LAPTOP-14')).available).toBe(4);

    // Four available is below ten: highlighted as low, until the threshold drops under it.
    await page.locator('tr[data-stock="RNO|LAPTOP-14"][data-state=low]').waitFor();
    expect(await row.locator('.stock-flag').innerText()).toBe('low');
    await page.fill('input[name=threshold]', '4');
    expect(await row.getAttribute('data-state')).toBe('ok');
    expect(await page.locator('[data-low-rule]').innerText()).toContain('available below 4 units');
    await page.fill('input[name=threshold]', '10');
    expect(await row.getAttribute('data-state')).toBe('low');

    // Every row flagged by the same rule, against the API's numbers.
    const levels: { warehouse: string; sku: string; available: number }[] = (await oms.request('GET', '/v1/inventory'))
      .body.items;
    await page.waitForTimeout(100);
    for (const level of levels) {
      const state = await page.locator(`tr[data-stock="${level.warehouse}|${level.sku}"]`).getAttribute('data-state');
      expect([level.warehouse, level.sku, state]).toEqual([
        level.warehouse,
        level.sku,
        level.available <= 0 ? 'out' : level.available < 10 ? 'low' : 'ok',
      ]);
    }

    // Below what is reserved / on hand: refused (409), shown next to the form, nothing moved.
    await form.locator('select[name=warehouse]').selectOption('RNO');
    await form.locator('input[name=sku]').fill('LAPTOP-14');
    await form.locator('input[name=delta]').fill('-5');
    await form.locator('input[name=reason]').fill('too many');
    await form.locator('button[type=submit]').click();
    const refusal = form.locator('.notice.error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('Adjust stock failed');
    expect((await stockOf('RNO', 'LAPTOP-14')).available).toBe(4);

    // Filters: by warehouse (the API) and SKU.
    await page.locator('form[data-form=stock-filters] select[name=warehouse]').selectOption('RNO');
    await page.fill('form[data-form=stock-filters] input[name=sku]', 'lap');
    await page.locator('tr[data-stock]').first().waitFor();
    await page.locator('tr[data-stock="EWR|LAPTOP-14"]').waitFor({ state: 'detached' });
    expect(
      await page.locator('tr[data-stock]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-stock'))),
    ).toEqual(['RNO|LAPTOP-14']);
    await screenshot(page, 'console-warehouse-low-stock');
  });
});

describe('the stock ledger', () => {
  it('shows 100 movements, then the next ones with "Load more", as the API pages them', async () => {
    // 105 counts of RNO's tees, plus the seed's receipt: 106 movements of the pair.
    for (let count = 1; count <= 105; count++) {
      const adjusted = await oms.request('POST', '/v1/inventory/adjustments', {
        as: 'warehouse',
        body: { warehouse: 'RNO', sku: 'TEE-M', delta: 1, reason: `count ${count}` },
      });
      expect(adjusted.status).toBe(201);
    }
    const api = (await oms.request('GET', '/v1/inventory/ledger?warehouse=RNO&sku=TEE-M&limit=500')).body.items;
    expect(api).toHaveLength(106);
    const ids = (page: Page) =>
      page
        .locator('table.ledger tbody tr')
        .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-ledger-id'))));

    const page = await consoleAs('warehouse', '#warehouse/ledger/warehouse=RNO&sku=TEE-M');
    const more = page.locator('button[data-more=ledger]');
    await more.waitFor();
    expect(await ids(page)).toEqual(api.slice(0, 100).map((row: { id: number }) => row.id));
    expect(await page.locator('table.ledger tbody tr').first().locator('.reference').innerText()).toBe('count 105');
    await more.click();
    await page.getByText('All 106 movements shown.').waitFor();
    expect(await ids(page)).toEqual(api.map((row: { id: number }) => row.id));
    expect(await page.locator('table.ledger tbody tr').last().getAttribute('data-reason')).toBe('receipt');
    expect(await more.count()).toBe(0);
    await screenshot(page, 'console-warehouse-ledger-all-pages');

    // New filters start from the first page again.
    const laptops = (await oms.request('GET', '/v1/inventory/ledger?warehouse=RNO&sku=LAPTOP-14')).body.items;
    expect(laptops.length).toBeLessThan(100);
    await page.fill('form[data-form=ledger-filters] input[name=sku]', 'LAPTOP-14');
    await page.click('form[data-form=ledger-filters] button[type=submit]');
    await page.getByText(`All ${laptops.length} movements shown.`).waitFor();
    expect(await ids(page)).toEqual(laptops.map((row: { id: number }) => row.id));
  });
});

describe('who is offered the warehouse screens', () => {
  it('offers them to warehouse and admin keys only; the API refuses their actions to others', async () => {
    for (const role of ['warehouse', 'admin'] as const) {
      const page = await consoleAs(role);
      expect(await page.locator('nav[aria-label=Warehouse] a').allInnerTexts()).toEqual([
        'Pick lists',
        'Stock',
        'Stock ledger',
      ]);
    }
    for (const role of ['sales', 'support'] as const) {
      const page = await consoleAs(role);
      expect(await page.locator('nav[aria-label=Warehouse]').count()).toBe(0);
      await page.evaluate("location.hash = '#warehouse/stock'");
      await page.getByText('Stock: for warehouse staff and admins only').waitFor();
      expect(await page.locator('form[data-form=receipt]').count()).toBe(0);
      await page.evaluate("location.hash = '#warehouse/pick-lists'");
      await page.getByText('Pick lists: for warehouse staff and admins only').waitFor();
    }
    const as = 'sales';
    const list = (await openLists())[0];
    const refused = await Promise.all([
      oms.request('GET', '/v1/pick-lists', { as }),
      oms.request('POST', `/v1/pick-lists/${list?.id ?? 'PL-NONE'}/confirm`, { as, body: {} }),
      oms.request('POST', '/v1/inventory/receipts', {
        as,
        body: { warehouse: 'EWR', sku: 'MUG-BLK', quantity: 1, reference: 'PO-SALES' },
      }),
      oms.request('POST', '/v1/inventory/adjustments', {
        as,
        body: { warehouse: 'EWR', sku: 'MUG-BLK', delta: 1, reason: 'sales' },
      }),
    ]);
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 403]);
  });
});
