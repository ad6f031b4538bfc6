import { startOms, type TestOms } from '../support/oms';

/**
 * Concurrency proof (issue 3): 200 orders at once for one SKU that has 50 units in two warehouses. Whatever
 * the interleaving, exactly 50 units ship, no stock row goes negative or oversold, nothing stays reserved,
 * and every other unit is backordered or cancelled as its order's policy says.
 */
describe('200 concurrent orders on one SKU with 50 units', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { carrierDeliveryDelayMs: 600_000, backorderTimeoutMs: 600_000 } });
    await oms.request('POST', '/v1/products', {
      body: { sku: 'HOT-1', name: 'Hot item', unitPrice: 1999, currency: 'USD', taxCode: 'GENERAL', weightGrams: 200 },
    });
    await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'EWR', sku: 'HOT-1', quantity: 30, reference: 'HOT-EWR' },
    });
    await oms.request('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse: 'RNO', sku: 'HOT-1', quantity: 20, reference: 'HOT-RNO' },
    });
  });
  afterAll(() => oms.close());

  it('ships exactly 50 units and settles every order by its policy', async () => {
    const policies = ['ship_available', 'wait_all', 'cancel_unavailable'] as const;
    const started = Date.now();
    const placed = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const policy = policies[index % 3];
        const quantity = (index % 2) + 1;
        const response = await oms.request('POST', '/v1/orders', {
          as: 'sales',
          body: {
            customerId: 'CUST-INITECH',
            lines: [{ sku: 'HOT-1', quantity }],
            backorderPolicy: policy,
            payment: { method: 'card', token: 'tok_ok' },
          },
        });
        expect(response.status).toBe(202);
        return { id: response.body.id as string, policy, quantity };
      }),
    );
    const posted = Date.now();

    const settled = ['SHIPPED', 'PARTIALLY_SHIPPED', 'BACKORDERED', 'CANCELLED'];
    const deadline = Date.now() + 150_000;
    let rows: { id: string; status: string; cancel_reason: string | null }[];
    for (;;) {
      rows = await oms
        .db('orders')
        .whereIn(
          'id',
          placed.map((order) => order.id),
        )
        .select('id', 'status', 'cancel_reason');
      const busy = rows.filter((row) => !settled.includes(row.status));
      // PARTIALLY_SHIPPED orders may still bill their shipment: settled means no open reservation either.
      const reserved = Number(
        (
          await oms
            .db('reservations')
            .where({ status: 'active' })
            .whereIn(
              'order_id',
              placed.map((order) => order.id),
            )
            .count({ n: '*' })
            .first()
        )?.n,
      );
      if ((busy.length === 0 && reserved === 0) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(
      `200 concurrent orders: POSTs took ${posted - started} ms, settled ${Date.now() - started} ms after the first POST`,
    );

    const lines = await oms
      .db('order_lines')
      .whereIn(
        'order_id',
        placed.map((order) => order.id),
      )
      .select('order_id', 'quantity', 'shipped_quantity', 'reserved_quantity', 'cancelled_quantity');
    const lineOf = new Map(lines.map((line) => [line.order_id, line]));
    const statusOf = new Map(rows.map((row) => [row.id, row]));
    expect(lines.reduce((total, line) => total + line.shipped_quantity, 0)).toBe(50);
    expect(lines.reduce((total, line) => total + line.reserved_quantity, 0)).toBe(0);

    for (const order of placed) {
      const line = lineOf.get(order.id)!;
      const { status, cancel_reason: cancelReason } = statusOf.get(order.id)!;
      const waiting = line.quantity - line.shipped_quantity - line.cancelled_quantity;
      const where = `${order.id} (${order.policy}, ${order.quantity}): ${status}, shipped ${line.shipped_quantity}, cancelled ${line.cancelled_quantity}`;
      expect([where, waiting >= 0]).toEqual([where, true]);
      if (order.policy === 'cancel_unavailable') {
        expect([where, waiting]).toEqual([where, 0]);
        expect([where, status]).toEqual([where, line.shipped_quantity > 0 ? 'SHIPPED' : 'CANCELLED']);
        if (status === 'CANCELLED') expect([where, cancelReason]).toEqual([where, 'unavailable']);
      } else if (order.policy === 'wait_all') {
        expect([where, line.shipped_quantity === 0 || line.shipped_quantity === line.quantity]).toEqual([where, true]);
        expect([where, status]).toEqual([where, line.shipped_quantity > 0 ? 'SHIPPED' : 'BACKORDERED']);
      } else {
        expect([where, line.cancelled_quantity]).toEqual([where, 0]);
        expect([where, status]).toEqual([
          where,
          line.shipped_quantity === line.quantity
            ? 'SHIPPED'
            : line.shipped_quantity > 0
              ? 'PARTIALLY_SHIPPED'
              : 'BACKORDERED',
        ]);
      }
    }

    const stock = await oms.db('stock').where({ sku: 'HOT-1' }).orderBy('warehouse_code');
    expect(stock.map((row) => [row.warehouse_code, row.on_hand, row.reserved])).toEqual([
      ['EWR', 0, 0],
      ['RNO', 0, 0],
    ]);
    const negative = await oms
      .db('stock')
      .where('on_hand', '<', 0)
      .orWhere('reserved', '<', 0)
      .orWhereRaw('reserved > on_hand');
    expect(negative).toEqual([]);
    const ledger: { warehouse_code: string; on_hand: string; reserved: string }[] = await oms
      .db('stock_ledger')
      .where({ sku: 'HOT-1' })
      .groupBy('warehouse_code')
      .orderBy('warehouse_code')
      .select(
        'warehouse_code',
        oms.db.raw('sum(on_hand_delta) AS on_hand'),
        oms.db.raw('sum(reserved_delta) AS reserved'),
      );
    expect(ledger.map((row) => [row.warehouse_code, Number(row.on_hand), Number(row.reserved)])).toEqual([
      ['EWR', 0, 0],
      ['RNO', 0, 0],
    ]);
  }, 240_000);
});
