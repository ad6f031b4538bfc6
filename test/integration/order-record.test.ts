import { createOrderRecordActivities } from '../../activities/order-record';
import type { OrderProgress } from '../../domain/timeline';
import type { ActivityDeps } from '../../activities/deps';
import { insertOrder } from '../../db/orders';
import { newOrderRecord, startOms, type TestOms } from '../support/oms';

/**
 * The order's timeline and status writes (issue 6 tuning made the common ones a single statement): a retried
 * entry changes nothing, a stale status never overwrites a newer one, and entries without a status leave the
 * status alone.
 */
describe('recording order progress', () => {
  let oms: TestOms;
  type Entry = Omit<OrderProgress, 'orderId' | 'type'> & { type?: string };
  let record: (progress: Entry) => Promise<void>;
  let recordTogether: (entries: Entry[]) => Promise<void>;
  const orderId = 'ORD-RECORD-TEST';
  const batchOrderId = 'ORD-RECORD-BATCH';

  beforeAll(async () => {
    oms = await startOms();
    for (const id of [orderId, batchOrderId]) await insertTestOrder(id, 'ship_available', 2);
    const activities = createOrderRecordActivities({ db: oms.db } as ActivityDeps);
    record = (progress) => activities.recordOrderProgress({ orderId, type: 'status', ...progress });
    recordTogether = (entries) =>
      activities.recordOrderTimeline(entries.map((entry) => ({ orderId: batchOrderId, type: 'status', ...entry })));
  });
  afterAll(() => oms.close());

  /** An order of `quantity` × MUG-BLK, in the records only (no workflow): these tests write its timeline. */
  function insertTestOrder(id: string, backorderPolicy: 'ship_available' | 'cancel_unavailable', quantity: number) {
    return insertOrder(oms.db, newOrderRecord(id, { backorderPolicy, lines: [{ sku: 'MUG-BLK', quantity }] }));
  }

  const order = () => oms.db('orders').where({ id: orderId }).first('status', 'version', 'status_reasons');
  const timeline = async () =>
    (await oms.db('order_events').where({ order_id: orderId }).orderBy('seq').select('seq', 'status', 'message')).map(
      (row) => [row.seq, row.status, row.message],
    );

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
    await record({
      seq: 14,
      status: 'CANCELLED',
      cancelReason: 'requested',
      message: 'cancelled',
      reasons: ['customer asked'],
    });
    expect(await order()).toEqual({ status: 'CANCELLED', version: 14, status_reasons: ['customer asked'] });
    expect(await oms.db('order_lines').where({ order_id: orderId }).first('cancelled_quantity')).toEqual({
      cancelled_quantity: 2,
    });
    expect((await timeline()).map(([seq]) => seq)).toEqual([10, 11, 12, 13, 14]);
  });

  it('lets COMPLETED win over entries past it as well, in one statement', async () => {
    await record({ seq: 16, status: 'DELIVERED', message: 'phantom delivered' });
    await record({ seq: 15, status: 'COMPLETED', message: 'Return window closed' });
    expect(await order()).toMatchObject({ status: 'COMPLETED', version: 15 });
    expect((await timeline()).map(([seq]) => seq)).toEqual([10, 11, 12, 13, 14, 15]);
  });

  describe('entries written together (one write per workflow task)', () => {
    const batchOrder = () => oms.db('orders').where({ id: batchOrderId }).first('status', 'version', 'status_reasons');
    const batchTimeline = async () =>
      (
        await oms.db('order_events').where({ order_id: batchOrderId }).orderBy('seq').select('seq', 'status', 'message')
      ).map((row) => [row.seq, row.status, row.message]);
    const line = () =>
      oms.db('order_lines').where({ order_id: batchOrderId }).first('approved_quantity', 'cancelled_quantity');

    it('writes every entry, the approval on the lines and the last status in one go; a retry changes nothing', async () => {
      const entries: Entry[] = [
        { seq: 1, type: 'priced', message: 'Priced' },
        { seq: 2, type: 'approved', message: 'Approved', approvedQuantities: { 'MUG-BLK': 1 } },
        { seq: 3, status: 'AUTHORIZING', message: 'Authorizing payment' },
      ];
      await recordTogether(entries);
      expect(await batchOrder()).toMatchObject({ status: 'AUTHORIZING', version: 3 });
      expect(await line()).toEqual({ approved_quantity: 1, cancelled_quantity: 1 });
      expect(await batchTimeline()).toEqual([
        [1, null, 'Priced'],
        [2, null, 'Approved'],
        [3, 'AUTHORIZING', 'Authorizing payment'],
      ]);
      await recordTogether(entries);
      expect(await batchOrder()).toMatchObject({ status: 'AUTHORIZING', version: 3 });
      expect(await line()).toEqual({ approved_quantity: 1, cancelled_quantity: 1 });
    });

    it('takes the last status of the entries it writes and the last reasons given, and keeps a newer status', async () => {
      await recordTogether([
        { seq: 4, status: 'AWAITING_APPROVAL', message: 'needs approval', reasons: ['over the limit'] },
        { seq: 5, status: 'ALLOCATED', message: 'reserved' },
      ]);
      expect(await batchOrder()).toEqual({ status: 'ALLOCATED', version: 5, status_reasons: ['over the limit'] });
      // A late write of entries the order is already past: written, but the status stays.
      await recordTogether([{ seq: 4, status: 'AWAITING_APPROVAL', message: 'needs approval (retried task)' }]);
      expect(await batchOrder()).toMatchObject({ status: 'ALLOCATED', version: 5 });
      expect((await batchTimeline()).find(([seq]) => seq === 4)).toEqual([
        4,
        'AWAITING_APPROVAL',
        'needs approval (retried task)',
      ]);
    });

    it('writes a cancellation among other entries in order, in one transaction', async () => {
      await recordTogether([
        { seq: 6, type: 'compensated', message: 'Compensation: release stock' },
        {
          seq: 7,
          status: 'CANCELLED',
          cancelReason: 'requested',
          message: 'Cancelled: requested',
          reasons: ['customer asked'],
        },
      ]);
      expect(await batchOrder()).toEqual({ status: 'CANCELLED', version: 7, status_reasons: ['customer asked'] });
      expect(await line()).toEqual({ approved_quantity: 1, cancelled_quantity: 2 });
      expect((await batchTimeline()).map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });
  });

  describe('a cancellation of units that a dead workflow task wrote', () => {
    const unitsOrderId = 'ORD-RECORD-UNITS';
    const cancelled = async () =>
      Number(
        (await oms.db('order_lines').where({ order_id: unitsOrderId }).first('cancelled_quantity')).cancelled_quantity,
      );
    let write: (entries: Entry[]) => Promise<void>;
    beforeAll(async () => {
      await insertTestOrder(unitsOrderId, 'cancel_unavailable', 3);
      const activities = createOrderRecordActivities({ db: oms.db } as ActivityDeps);
      write = (entries) =>
        activities.recordOrderTimeline(entries.map((entry) => ({ orderId: unitsOrderId, type: 'status', ...entry })));
    });

    // Chaos run: a task cancelled a unit as unavailable, died before it was recorded, and its retry (stock had
    // arrived) allocated it instead: the unit was counted both cancelled and shipped, and shipping broke the line's
    // check constraint for ever.
    it('is undone when the retried task writes another entry at that seq', async () => {
      await write([
        { seq: 1, type: 'cancelled', message: 'Cancelled 1 x MUG-BLK: unavailable', cancelledUnits: { 'MUG-BLK': 1 } },
      ]);
      expect(await cancelled()).toBe(1);
      await write([{ seq: 1, status: 'ALLOCATED', message: 'Reserved in EWR' }]);
      expect(await cancelled()).toBe(0);
      // A plain retry of the dead task's entry would be the same content: still counted once.
      await write([
        { seq: 2, type: 'cancelled', message: 'Cancelled 2 x MUG-BLK: unavailable', cancelledUnits: { 'MUG-BLK': 2 } },
      ]);
      await write([
        { seq: 2, type: 'cancelled', message: 'Cancelled 2 x MUG-BLK: unavailable', cancelledUnits: { 'MUG-BLK': 2 } },
      ]);
      expect(await cancelled()).toBe(2);
    });

    it("is replaced by the retried task's own cancellation", async () => {
      await write([
        { seq: 2, type: 'cancelled', message: 'Cancelled 1 x MUG-BLK: unavailable', cancelledUnits: { 'MUG-BLK': 1 } },
      ]);
      expect(await cancelled()).toBe(1);
    });
  });
});
