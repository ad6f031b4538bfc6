import { createOrderRecordActivities, type OrderProgress } from '../../activities/order-record';
import type { ActivityDeps } from '../../activities/deps';
import { insertOrder } from '../../db/orders';
import { startOms, type TestOms } from '../support/oms';

/**
 * The order's timeline and status writes (issue 6 tuning made the common ones a single statement): a retried
 * entry changes nothing, a stale status never overwrites a newer one, and entries without a status leave the
 * status alone.
 */
describe('recording order progress', () => {
  let oms: TestOms;
  let record: (progress: Omit<OrderProgress, 'orderId' | 'type'> & { type?: string }) => Promise<void>;
  const orderId = 'ORD-RECORD-TEST';

  beforeAll(async () => {
    oms = await startOms();
    await insertOrder(oms.db, {
        id: orderId,
        trackingNumber: 'TRK-RECORD-TEST',
        customerId: 'CUST-ACME',
        priority: 3,
        source: 'api',
        currency: 'USD',
        shippingAddress: { name: 'A', line1: '1 Way', city: 'Brooklyn', region: 'NY', postalCode: '11201', country: 'US' },
        paymentMethod: 'card',
        backorderPolicy: 'ship_available',
        expedite: false,
        lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      });
    const { recordOrderProgress } = createOrderRecordActivities({ db: oms.db } as ActivityDeps);
    record = (progress) => recordOrderProgress({ orderId, type: 'status', ...progress });
  });
  afterAll(() => oms.close());

  const order = () => oms.db('orders').where({ id: orderId }).first('status', 'version', 'status_reasons');
  const timeline = async () => (await oms.db('order_events').where({ order_id: orderId }).orderBy('seq').select('seq', 'status', 'message')).map((row) => [row.seq, row.status, row.message]);

  it('writes the entry and the status together, and a retry of the same entry changes nothing', async () => {
    await record({ seq: 10, status: 'PICKING', message: 'picking', reasons: ['why'] });
    expect(await order()).toEqual({ status: 'PICKING', version: 10, status_reasons: ['why'] });
    await record({ seq: 10, status: 'PICKING', message: 'picking' });
    expect(await order()).toEqual({ status: 'PICKING', version: 10, status_reasons: ['why'] });
    expect(await timeline()).toEqual([[10, 'PICKING', 'picking']]);
  });

  it('replaces an entry that a dead workflow task wrote with the one its retried task writes at the same seq', async () => {
    // The dead task went on to SHIPPED; the retried one (an Update arrived in between) recorded ALLOCATED there.
    await record({ seq: 10, status: 'SHIPPED', message: 'what the dead task wrote' });
    expect(await order()).toMatchObject({ status: 'SHIPPED', version: 10 });
    await record({ seq: 10, status: 'PICKING', message: 'picking' });
    expect(await order()).toEqual({ status: 'PICKING', version: 10, status_reasons: ['why'] });
    expect(await timeline()).toEqual([[10, 'PICKING', 'picking']]);
  });

  it('keeps the newer status when an older entry arrives late, and keeps the reasons unless new ones are given', async () => {
    await record({ seq: 12, status: 'SHIPPED', message: 'shipped' });
    await record({ seq: 11, status: 'ALLOCATED', message: 'late' });
    expect(await order()).toEqual({ status: 'SHIPPED', version: 12, status_reasons: ['why'] });
    await record({ seq: 13, type: 'carrier', message: 'a timeline entry without a status' });
    expect(await order()).toEqual({ status: 'SHIPPED', version: 12, status_reasons: ['why'] });
    expect(await timeline()).toEqual([
      [10, 'PICKING', 'picking'],
      [11, 'ALLOCATED', 'late'],
      [12, 'SHIPPED', 'shipped'],
      [13, null, 'a timeline entry without a status'],
    ]);
  });

  it('still cancels the unshipped units of a cancelled order, and a final status removes what only a dead task wrote past it', async () => {
    // A dead task's entries past the cancellation the retried task ends with (seq 15, 16 were never recorded).
    await record({ seq: 15, status: 'PICKING', message: 'phantom picking' });
    await record({ seq: 16, type: 'payment', message: 'phantom payment' });
    await record({ seq: 14, status: 'CANCELLED', cancelReason: 'requested', message: 'cancelled', reasons: ['customer asked'] });
    expect(await order()).toEqual({ status: 'CANCELLED', version: 14, status_reasons: ['customer asked'] });
    expect(await oms.db('order_lines').where({ order_id: orderId }).first('cancelled_quantity')).toEqual({ cancelled_quantity: 2 });
    expect((await timeline()).map(([seq]) => seq)).toEqual([10, 11, 12, 13, 14]);
  });

  it('lets COMPLETED win over entries past it as well, in one statement', async () => {
    await record({ seq: 16, status: 'DELIVERED', message: 'phantom delivered' });
    await record({ seq: 15, status: 'COMPLETED', message: 'Return window closed' });
    expect(await order()).toMatchObject({ status: 'COMPLETED', version: 15 });
    expect((await timeline()).map(([seq]) => seq)).toEqual([10, 11, 12, 13, 14, 15]);
  });
});
