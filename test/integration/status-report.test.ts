import { statusReportSchema } from '../../api/report-schemas';
import { orderBody, startOms, type TestOms } from '../support/oms';

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `GET /v1/reports/status`: orders by status at the end of each period, from the timeline. One order is driven to
 * DELIVERED and then moved three days back in time (its placement and every timeline entry), so the days before
 * show it as it was then; one waits for approval today.
 */
describe('orders by status over time', () => {
  let oms: TestOms;
  let delivered: string;
  let waiting: string;
  const today = Date.now();

  beforeAll(async () => {
    oms = await startOms();
    const place = async (body: Record<string, unknown>) => {
      const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
      expect(placed.status).toBe(202);
      return placed.body.id as string;
    };
    [delivered, waiting] = await Promise.all([
      place(orderBody()),
      place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 6 }] })),
    ]);
    await Promise.all([oms.waitForStatus(delivered, 'DELIVERED'), oms.waitForStatus(waiting, 'AWAITING_APPROVAL')]);
    // Placed three days ago at noon, each timeline entry a minute after the one before, all on that day.
    const noon = Math.floor(today / DAY_MS) * DAY_MS - 3 * DAY_MS + DAY_MS / 2;
    await oms
      .db('orders')
      .where({ id: delivered })
      .update({ created_at: new Date(noon) });
    await oms.db.raw(
      `UPDATE order_events SET created_at = CAST(? AS timestamptz) + seq * interval '1 minute' WHERE order_id = ?`,
      [new Date(noon).toISOString(), delivered],
    );
  }, 120_000);
  afterAll(async () => {
    await oms?.request('POST', `/v1/orders/${waiting}/reject`, { as: 'approver', body: { reason: 'test done' } });
    await oms?.close();
  });

  it('counts every order placed by the end of each day in the status it had then', async () => {
    const from = dayOf(today - 5 * DAY_MS);
    const answer = await oms.request('GET', `/v1/reports/status?from=${from}&period=day`, { as: 'carrier' });
    expect(answer.status).toBe(200);
    const report = statusReportSchema.parse(answer.body);
    expect(report).toMatchObject({ period: 'day', from, to: dayOf(today) });
    expect(report.periods.map((period) => period.start)).toEqual(
      [5, 4, 3, 2, 1, 0].map((daysAgo) => dayOf(today - daysAgo * DAY_MS)),
    );
    const nonZero = (counts: Record<string, number>) =>
      Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
    expect(report.periods.map((period) => nonZero(period.counts))).toEqual([
      {},
      {},
      { DELIVERED: 1 },
      { DELIVERED: 1 },
      { DELIVERED: 1 },
      { DELIVERED: 1, AWAITING_APPROVAL: 1 },
    ]);
    expect(report.periods.map((period) => period.complete)).toEqual([true, true, true, true, true, false]);
    expect(Date.parse(report.periods[5].at)).toBeLessThanOrEqual(Date.now());
  });

  it('counts weeks, and refuses a range that ends before it starts', async () => {
    const weeks = await oms.request('GET', '/v1/reports/status?period=week', { as: 'sales' });
    expect(weeks.status).toBe(200);
    const report = statusReportSchema.parse(weeks.body);
    expect(report.periods).toHaveLength(12);
    expect(report.periods.at(-1)!.counts).toMatchObject({ DELIVERED: 1, AWAITING_APPROVAL: 1, PENDING: 0 });

    const backwards = await oms.request('GET', '/v1/reports/status?from=2026-03-10&to=2026-03-01');
    expect(backwards.status).toBe(400);
    const unknown = await oms.request('GET', '/v1/reports/status?period=month');
    expect(unknown.status).toBe(400);
  });
});
