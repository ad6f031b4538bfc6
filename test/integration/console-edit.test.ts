import { screenshot } from '../support/browser';
import { actionsOn, useConsole } from '../support/console';
import { orderBody } from '../support/oms';

/**
 * Editing an order from its page in the console (SPEC section 3, Edits), in headless Chromium against the real
 * stack. Manual fulfilment, so an order stops at PICKING (where edits end) until staff confirm its pick list.
 */
const { oms, consoleAs, place } = useConsole({ settings: { fulfillmentMode: 'manual' } });

// 4 laptops are above Acme's approval limit; 3 are within it.
const awaitingApproval = () => place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] }));

describe('editing an order from its page', () => {
  let editedOrder: string;

  it('lets support change the lines of an order awaiting approval: re-priced, out of the queue, on the timeline', async () => {
    editedOrder = await awaitingApproval();
    await oms.waitForStatus(editedOrder, 'AWAITING_APPROVAL');
    const page = await consoleAs('support', `#order/${editedOrder}`);
    await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(page)).toContain('edit');
    const edits: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH' && request.url().endsWith(`/v1/orders/${editedOrder}`))
        edits.push(request.postDataJSON());
    });

    // The form states the rules and starts from the order as it is.
    await page.click('button[data-action=edit]');
    const form = page.locator('form[data-form=edit]');
    expect(await form.locator('[data-edit-rules]').innerText()).toContain('Until picking starts');
    expect(await form.locator('[data-edit-rules]').innerText()).toContain('authorized again when the total grows');
    const rows = form.locator('tr[data-edit-line]');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('input[name=sku]').inputValue()).toBe('LAPTOP-14');
    expect(await rows.first().locator('input[name=quantity]').inputValue()).toBe('4');
    expect(await form.locator('input[name=address-city]').inputValue()).toBe('Brooklyn');
    expect(await form.locator('input[name=expedite]').isChecked()).toBe(false);

    // Nothing changed: nothing is sent.
    await page.click('button[data-confirm=edit]');
    await form.locator('.notice.info').getByText('Nothing changed').waitFor();
    expect(edits).toEqual([]);

    // An unknown SKU: the API's 422 shows next to the form with each reason, and what was typed stays.
    await form.locator('button[data-add-line]').click();
    await rows.nth(1).locator('input[name=sku]').fill('NO-SUCH-SKU');
    await rows.nth(1).locator('input[name=quantity]').fill('2');
    await page.click('button[data-confirm=edit]');
    const refusal = form.locator('.edit-problem .notice.error');
    await refusal.waitFor();
    const refusalText = await refusal.innerText();
    expect(refusalText).toContain('Edit failed');
    expect(refusalText).toContain('422');
    expect(refusalText).toContain('NO-SUCH-SKU');
    expect(await refusal.locator('li').allInnerTexts()).toEqual([
      'body.lines.1.sku: product NO-SUCH-SKU does not exist',
    ]);
    expect(edits).toEqual([
      {
        lines: [
          { sku: 'LAPTOP-14', quantity: 4 },
          { sku: 'NO-SUCH-SKU', quantity: 2 },
        ],
      },
    ]);
    expect(await rows.nth(1).locator('input[name=sku]').inputValue()).toBe('NO-SUCH-SKU');
    expect(await page.locator('.order-head .badge').getAttribute('data-status')).toBe('AWAITING_APPROVAL');
    await screenshot(page, 'console-edit-refused');

    // One laptop fewer, within the approval limit: only the lines are sent, as the whole new set.
    await rows.nth(1).locator('button[data-remove-line]').click();
    await rows.first().locator('input[name=quantity]').fill('3');
    await page.click('button[data-confirm=edit]');
    const answer = page.locator('.notice.ok');
    await answer.waitFor();
    expect(edits[1]).toEqual({ lines: [{ sku: 'LAPTOP-14', quantity: 3 }] });
    expect(await form.count()).toBe(0);
    const edited = (await oms.request('GET', `/v1/orders/${editedOrder}`)).body;
    expect(edited.lines).toEqual([expect.objectContaining({ sku: 'LAPTOP-14', quantity: 3 })]);
    expect(edited.totals.subtotal).toBe(3 * 129_900);
    expect(await answer.innerText()).toContain('Edited: lines.');
    expect(Number(await answer.locator('[data-total]').getAttribute('data-total'))).toBe(edited.totals.total);
    expect(['ALLOCATED', 'PICKING']).toContain(await answer.locator('.badge').getAttribute('data-status'));
    // The page was loaded again: the new status and total, and the edit on the timeline in the support key's name.
    await page.locator('.order-head .badge:not([data-status=AWAITING_APPROVAL])').waitFor();
    const total = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
      edited.totals.total / 100,
    );
    expect(await page.locator('.order-head + .facts').innerText()).toContain(`Total ${total}`);
    const entry = page.locator('.timeline li.request', { hasText: 'Request: edit lines 3 × LAPTOP-14' });
    await entry.waitFor();
    expect(await entry.locator('.actor').innerText()).toMatch(/^support key /);
    await screenshot(page, 'console-edit-done');

    // Picking started: no more edits offered.
    await oms.waitForStatus(editedOrder, 'PICKING');
    await page.click('text=Reload');
    await page.locator('.order-head .badge[data-status=PICKING]').waitFor();
    expect(await actionsOn(page)).not.toContain('edit');
  });

  it('offers Edit to sales, never to warehouse or approver keys, and not once an order is picking', async () => {
    const waiting = await awaitingApproval();
    const picking = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 1 }] }));
    await Promise.all([oms.waitForStatus(waiting, 'AWAITING_APPROVAL'), oms.waitForStatus(picking, 'PICKING')]);

    const sales = await consoleAs('sales', `#order/${waiting}`);
    await sales.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
    expect(await actionsOn(sales)).toContain('edit');

    for (const role of ['warehouse', 'approver'] as const) {
      const page = await consoleAs(role, `#order/${waiting}`);
      await page.locator('.order-head .badge[data-status=AWAITING_APPROVAL]').waitFor();
      expect(await actionsOn(page)).not.toContain('edit');
      // The API refuses them anyway.
      const refused = await oms.request('PATCH', `/v1/orders/${waiting}`, { as: role, body: { expedite: true } });
      expect(refused.status).toBe(403);
    }

    const support = await consoleAs('support', `#order/${picking}`);
    await support.locator('.order-head .badge[data-status=PICKING]').waitFor();
    expect(await actionsOn(support)).not.toContain('edit');
    expect(await actionsOn(support)).toContain('cancel'); // the actions were drawn
  });
});
