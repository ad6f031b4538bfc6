import type { ActivityDeps } from '../../activities/deps';
import { createInventoryActivities } from '../../activities/inventory';
import { insertOrder } from '../../db/orders';
import { moveStock } from '../../db/stock';
import { newOrderRecord, startOms, type TestOms } from '../support/oms';

/**
 * The one-statement reservation (issue 6 tuning) tells a shortage from any other failure: only a stock constraint
 * means "not enough stock" (plan again, backorder the rest); a violated order-line rule is an error to retry, and the
 * statement leaves nothing behind either way.
 */
describe('stock movements inside one statement', () => {
  let oms: TestOms;
  const orderId = 'ORD-STOCK-STATEMENTS';
  const destination = { name: 'A', line1: '1 Way', city: 'Brooklyn', region: 'NY', postalCode: '11201', country: 'US' };
  let inventory: ReturnType<typeof createInventoryActivities>;

  beforeAll(async () => {
    oms = await startOms();
    inventory = createInventoryActivities({ db: oms.db } as ActivityDeps);
    await insertOrder(
      oms.db,
      newOrderRecord(orderId, { shippingAddress: destination, lines: [{ sku: 'MUG-BLK', quantity: 2 }] }),
    );
  });
  afterAll(() => oms.close());

  const reserved = async () =>
    Number((await oms.db('stock').where({ sku: 'MUG-BLK' }).sum({ n: 'reserved' }).first())?.n ?? 0);
  const allocate = () =>
    inventory.allocateStock({
      orderId,
      round: 1,
      lines: [{ sku: 'MUG-BLK', quantity: 2 }],
      destination,
      allOrNothing: false,
    });

  it('fails, rather than reporting a shortage, when the order line does not allow the units yet', async () => {
    const before = await reserved();
    // Nothing approved yet: reserving would break the order line's own rule (reserved <= approved).
    await expect(allocate()).rejects.toMatchObject({ code: '23514', table: 'order_lines' });
    expect(await reserved()).toBe(before);
    expect(await oms.db('shipments').where({ order_id: orderId }).count({ n: '*' }).first()).toEqual({ n: 0 });

    await oms.db('order_lines').where({ order_id: orderId }).update({ approved_quantity: 2 });
    const result = await allocate();
    expect(result.unallocated).toEqual([]);
    expect(result.shipments).toEqual([expect.objectContaining({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] })]);
    expect(await reserved()).toBe(before + 2);
  });

  it('reports a movement beyond the stock, or into stock that does not exist, as insufficient', async () => {
    const [row] = await oms.db('stock').where({ sku: 'MUG-BLK' }).select('warehouse_code', 'on_hand', 'reserved');
    const movement = { warehouse: row.warehouse_code, sku: 'MUG-BLK', reason: 'reserve' as const, onHandDelta: 0 };
    expect(
      await moveStock(oms.db, {
        ...movement,
        reservedDelta: row.on_hand - row.reserved + 1,
        movementKey: 'test:oversell',
      }),
    ).toBe('insufficient');
    expect(
      await moveStock(oms.db, { ...movement, warehouse: 'NOWHERE', reservedDelta: 1, movementKey: 'test:no-row' }),
    ).toBe('insufficient');
    expect(
      await oms.db('stock_ledger').whereIn('movement_key', ['test:oversell', 'test:no-row']).count({ n: '*' }).first(),
    ).toEqual({ n: 0 });
  });
});
