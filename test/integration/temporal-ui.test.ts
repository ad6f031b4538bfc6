import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from '../support/browser';
import { eventually } from '../support/helpers';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { sharedServers } from '../support/servers';

/**
 * What operators see in the Temporal Web UI of the shared dev server (SPEC section 5): orders found by their
 * `OrderStatus` search attribute, and an order's workflow opened from the link the API gives. Only IDs, types
 * and search attributes are read, never payloads (a payload codec may encrypt them).
 */
describe('Temporal Web UI', () => {
  let oms: TestOms;
  let browser: Browser;
  const waiting: string[] = [];
  let shipped: string;

  beforeAll(async () => {
    [oms, browser] = await Promise.all([startOms(), launchBrowser()]);
    const place = async (body: Record<string, unknown>) =>
      (await oms.request('POST', '/v1/orders', { as: 'sales', body })).body.id as string;
    const laptops = orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }); // above Acme's approval limit
    const ids = await Promise.all([place(laptops), place(laptops), place(orderBody())]);
    waiting.push(ids[0], ids[1]);
    shipped = ids[2];
    await Promise.all([
      ...waiting.map((id) => oms.waitForStatus(id, 'AWAITING_APPROVAL')),
      oms.waitForStatus(shipped, ['SHIPPED', 'DELIVERED', 'COMPLETED']),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await oms?.close();
  });

  /** Workflow IDs a visibility query finds, through the SDK (the UI asks the same server). */
  async function visible(query: string): Promise<string[]> {
    const found: string[] = [];
    for await (const execution of oms.temporal.workflow.list({ query })) found.push(execution.workflowId);
    return found;
  }

  it('lists the orders waiting for approval when filtered by OrderStatus, and not an order in another status', async () => {
    // This file's task queue keeps other test files' orders (same server) out of the list.
    const mine = `TaskQueue="${oms.taskQueue}"`;
    const query = `OrderStatus="AWAITING_APPROVAL" AND ${mine}`;
    // Search attributes follow the workflow a moment after the read model: wait until visibility has them.
    expect(
      (
        await eventually(
          () => visible(query),
          (ids) => waiting.every((id) => ids.includes(id)),
        )
      ).sort(),
    ).toEqual([...waiting].sort());
    expect(
      await eventually(
        () => visible(`WorkflowId="${shipped}" AND OrderStatus!="AWAITING_APPROVAL"`),
        (ids) => ids.length === 1,
      ),
    ).toEqual([shipped]);

    const { page, context, errors } = await openPage(
      browser,
      `${sharedServers().temporalUiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
    );
    const row = (id: string) => page.locator(`a[href^="/namespaces/default/workflows/${id}/"]`).first();
    for (const id of waiting) await row(id).waitFor({ timeout: 20_000 });
    expect(await page.locator(`a[href^="/namespaces/default/workflows/${shipped}/"]`).count()).toBe(0);
    expect(
      await page
        .locator('a[href^="/namespaces/default/workflows/ORD-"]')
        .evaluateAll((links) => [...new Set(links.map((link) => link.getAttribute('href')!.split('/')[4]))].sort()),
    ).toEqual([...waiting].sort());
    const text = await page.locator('body').innerText();
    expect(text).toContain('OrderStatus');
    expect(text).toContain('AWAITING_APPROVAL');
    await screenshot(page, 'temporal-ui-awaiting-approval');

    // The same list without the status filter does show the other order: the filter is what left it out.
    await page.goto(`${sharedServers().temporalUiUrl}/namespaces/default/workflows?query=${encodeURIComponent(mine)}`);
    await page.locator(`a[href^="/namespaces/default/workflows/${shipped}/"]`).first().waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens an order's workflow from the Temporal UI link in its history", async () => {
    const history = (await oms.request('GET', `/v1/orders/${waiting[0]}/history`)).body;
    expect(history.temporalUiUrl).toBe(`${sharedServers().temporalUiUrl}/namespaces/default/workflows/${waiting[0]}`);
    const { page, context } = await openPage(browser, history.temporalUiUrl);
    await page.getByText('orderWorkflow').first().waitFor({ timeout: 20_000 });
    const text = await page.locator('body').innerText();
    expect(text).toContain(waiting[0]);
    expect(text).toMatch(/Running/i);
    await screenshot(page, 'temporal-ui-order-workflow');
    await context.close();
  });
});
