import { ordersFromCsv } from '../../api/batch-csv';
import { createDb } from '../../db/connection';
import { insertOrder } from '../../db/orders';
import { createLogger } from '../../observability/logger';
import { createOrderStarts } from '../../services/order-starts';
import { eventually } from '../support/helpers';
import { newOrderRecord, orderBody, startOms, startSecondApi, type TestOms } from '../support/oms';

/**
 * Batch entry at the size of an import (SPEC section 4, POST /v1/orders/batch; issue 20): 1000 rows answered with a
 * few round trips and every order's workflow started, and the rules of single orders kept row by row. The large
 * batches go through an API whose workflows start on a task queue no worker polls: they are started (that is what is
 * tested) but not run, so the test does not wait for 1000 orders to be fulfilled.
 */
describe('batch entry', () => {
  let oms: TestOms;
  let api: Awaited<ReturnType<typeof apiStartingUnpolled>>;
  beforeAll(async () => {
    oms = await startOms();
    api = await apiStartingUnpolled(oms);
  });
  afterAll(async () => {
    await api?.close();
    await oms?.close();
  });

  async function postBatch(orders: unknown[], headers: Record<string, string> = {}) {
    const response = await fetch(`${api.base}/v1/orders/batch`, {
      method: 'POST',
      headers: { authorization: 'Bearer batch-sales', 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ orders }),
    });
    return { status: response.status, body: (await response.json()) as BatchAnswer };
  }
  const ordersIn = (answer: BatchAnswer) => answer.results.flatMap((row) => (row.id ? [row.id] : []));
  const rowsOf = (table: string, ids: string[]) =>
    oms
      .db(table)
      .whereIn('order_id', ids)
      .count({ n: '*' })
      .first()
      .then((row) => Number(row?.n));
  /** How many of the orders have no workflow yet, once none has (or the time is up). */
  const notStarted = (ids: string[]) =>
    eventually(
      () => rowsOf('order_workflow_starts', ids),
      (n) => n === 0,
      60_000,
    );

  it('answers 1000 rows with a few round trips and starts every order', async () => {
    const orders = Array.from({ length: 1000 }, (_, index) =>
      orderBody({
        lines: [{ sku: 'MUG-BLK', quantity: 1 + (index % 3) }],
        channel: 'import',
        externalId: `IMP-${index}`,
      }),
    );
    const before = api.queries();
    const startedAt = Date.now();
    const answer = await postBatch(orders, { 'idempotency-key': 'import-1' });
    const answerMs = Date.now() - startedAt;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 1000, rejected: 0 });
    // Set-based: lookups, one transaction of multi-row inserts and the audit row; per row it took five or more.
    expect(api.queries() - before).toBeLessThan(20);
    expect(answerMs).toBeLessThan(15_000); // a few hundred ms on a quiet machine; a regression guard, not the target

    const ids = ordersIn(answer.body);
    expect(new Set(ids).size).toBe(1000);
    expect(await rowsOf('order_lines', ids)).toBe(1000);
    expect(await rowsOf('outbound_events', ids)).toBe(1000);
    const placed = await oms.db('orders').whereIn('id', ids).select('priority', 'source', 'external_id');
    expect(placed).toHaveLength(1000);
    expect(new Set(placed.map((row) => `${row.priority} ${row.source}`))).toEqual(new Set(['4 batch']));

    // Every workflow started: no start request is left, and Temporal has them (a sample asked).
    expect(await notStarted(ids)).toBe(0);
    for (const id of [ids[0], ids[499], ids[999]])
      expect((await oms.temporal.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');

    // The same batch again with the key: the same orders, nothing new, still a few round trips.
    const beforeRetry = api.queries();
    const retry = await postBatch(orders, { 'idempotency-key': 'import-1' });
    expect(api.queries() - beforeRetry).toBeLessThan(20);
    expect(retry.body).toMatchObject({ accepted: 1000, rejected: 0 });
    expect(ordersIn(retry.body)).toEqual(ids);
    // Without it: every external ID is taken, each row names the order that has it.
    const again = await postBatch(orders.slice(0, 3));
    expect(again.body.results.map((row) => row.existingOrderId)).toEqual(ids.slice(0, 3));
  });

  it('reads a batch of up to 5 MB, and only from a caller allowed to place it', async () => {
    const address = {
      name: 'Maximiliana Ortega-Fairweather',
      line1: '12345 North Commerce Industrial Parkway',
      line2: 'Receiving dock 7, attention: purchasing department',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62704',
      country: 'US',
    };
    // An ERP's export of 1000 orders: an address, four lines and the ERP's own fields, over the 1 MB of other bodies.
    const orders = Array.from({ length: 1000 }, (_, index) =>
      orderBody({
        channel: 'erp',
        externalId: `ERP-${index}`,
        shippingAddress: address,
        lines: ['MUG-BLK', 'TEE-M', 'BEANS-1KG', 'LAPTOP-14'].map((sku, n) => ({ sku, quantity: 1 + n })),
        metadata: {
          erpOrder: `SO-2026-${String(index).padStart(6, '0')}`,
          costCenter: 'CC-4410 Facilities / East region',
          deliveryNote: 'Deliver between 8:00 and 16:00 on weekdays; call reception on arrival. '.repeat(4),
        },
      }),
    );
    const body = JSON.stringify({ orders }, null, 2);
    expect(body.length).toBeGreaterThan(2 ** 20);
    const send = (payload: string, headers: Record<string, string> = {}) =>
      fetch(`${api.base}/v1/orders/batch`, {
        method: 'POST',
        headers: { authorization: 'Bearer batch-sales', 'content-type': 'application/json', ...headers },
        body: payload,
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as BatchAnswer & { detail?: string },
      }));

    const placed = await send(body);
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ accepted: 1000, rejected: 0 });

    // Over 5 MB, JSON or CSV: refused, naming the limit.
    const tooLarge = JSON.stringify({ orders: [], padding: 'x'.repeat(5.1 * 2 ** 20) });
    const refused = await send(tooLarge);
    expect([refused.status, refused.body.detail]).toEqual([413, 'the body is larger than the 5 MB limit']);
    const csv = await send(`customerId,lines\n${'CUST-ACME,MUG-BLK:1\n'.repeat(300_000)}`, {
      'content-type': 'text/csv',
    });
    expect([csv.status, csv.body.detail]).toEqual([413, 'the body is larger than the 5 MB limit']);
    // Over 1000 rows: refused, the CSV read no further than its 1001st row.
    const manyRows = await send(`customerId,lines\n${'CUST-ACME,MUG-BLK:1\n'.repeat(240_000)}`, {
      'content-type': 'text/csv',
    });
    expect([manyRows.status, manyRows.body.detail]).toEqual([400, 'a batch holds at most 1000 orders']);
    expect(ordersFromCsv(`customerId,lines\n${'CUST-ACME,MUG-BLK:1\n'.repeat(5000)}`)).toHaveLength(1001);
    // Without a valid key the body is not read: 401, not 413.
    expect((await send(tooLarge, { authorization: 'Bearer nobody' })).status).toBe(401);
    // Every other body stays at 1 MB.
    const single = await fetch(`${api.base}/v1/orders`, {
      method: 'POST',
      headers: { authorization: 'Bearer batch-sales', 'content-type': 'application/json' },
      body: JSON.stringify(orderBody({ padding: 'x'.repeat(1.1 * 2 ** 20) })),
    });
    expect([single.status, ((await single.json()) as { detail: string }).detail]).toEqual([
      413,
      'the body is larger than the 1 MB limit',
    ]);
  });

  it('places two batches at a time, lets eight wait, and answers 429 with Retry-After to the next', async () => {
    // Orders cannot be written until the lock goes: the first two batches stay in their write.
    const lock = await oms.db.transaction();
    await lock.raw('LOCK TABLE orders IN EXCLUSIVE MODE');
    const send = (n: number) =>
      fetch(`${api.base}/v1/orders/batch`, {
        method: 'POST',
        headers: { authorization: 'Bearer batch-sales', 'content-type': 'application/json' },
        body: JSON.stringify({ orders: [orderBody({ channel: 'gate', externalId: `GATE-${n}` })] }),
      });
    try {
      const running = [send(0), send(1)];
      const blocked = () =>
        oms.db
          .raw(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'orders'::regclass`)
          .then((result) => result.rows[0].n as number);
      expect(await eventually(blocked, (n) => n === 2)).toBe(2);
      // Nine more: eight wait their turn (their bodies unread), whichever comes last is refused at once.
      const more = Array.from({ length: 9 }, (_, n) => send(2 + n));
      const first = await Promise.race(more);
      expect([first.status, first.headers.get('retry-after')]).toEqual([429, '5']);
      await lock.commit();
      const answers = await Promise.all([...running, ...more]);
      expect(answers.map((response) => response.status).sort()).toEqual([...Array(10).fill(200), 429]);
    } finally {
      if (!lock.isCompleted()) await lock.rollback();
    }
  });

  it('decides each row as if placed after the ones before it', async () => {
    const answer = await postBatch(
      [
        orderBody({ channel: 'b2b', externalId: 'ROW-1', lines: [{ sku: 'NOPE', quantity: 1 }] }), // refused: free
        orderBody({ channel: 'b2b', externalId: 'ROW-1' }), // so this one takes it
        orderBody({ channel: 'b2b', externalId: 'ROW-1' }), // and this one finds it taken
        { customerId: 'CUST-ACME' }, // malformed
        orderBody({ customerId: 'CUST-NOBODY', promotionCode: 'NOSUCH' }), // every reason at once
        orderBody({ promotionCode: 'FIVEOFF' }),
      ],
      { 'idempotency-key': 'rows-1' },
    );
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 4 });
    const [refused, taking, taken, malformed, unknown, promoted] = answer.body.results;
    expect(refused.errors).toEqual([{ path: 'body.lines.0.sku', message: 'product NOPE does not exist' }]);
    expect(taking.id).toEqual(expect.any(String));
    expect(taken).toMatchObject({ existingOrderId: taking.id, errors: [{ path: 'body.externalId' }] });
    expect(malformed.errors.map((error) => error.path)).toEqual(expect.arrayContaining(['body.lines']));
    expect(unknown.errors.map((error) => error.path)).toEqual(['body.customerId', 'body.promotionCode']);
    expect(promoted.id).toEqual(expect.any(String));

    // A row retried with another body under its key is refused; the other rows answer as before.
    const retry = await postBatch(
      [
        orderBody({ channel: 'b2b', externalId: 'ROW-1', lines: [{ sku: 'NOPE', quantity: 1 }] }),
        orderBody({ channel: 'b2b', externalId: 'ROW-1', lines: [{ sku: 'TEE-M', quantity: 1 }] }),
      ],
      { 'idempotency-key': 'rows-1' },
    );
    expect(retry.body.results[1].errors).toEqual([
      { path: 'header.Idempotency-Key', message: 'reused with another body' },
    ]);
  });

  it('places the rows one by one when another request takes an external ID between the lookups and the write', async () => {
    // Another request's order with external ID LATE-0, written but not committed until the batch waits for it.
    const trx = await oms.db.transaction();
    const other = 'ORD-BATCH-RACE';
    await insertOrder(trx, newOrderRecord(other, { channel: 'late', externalId: 'LATE-0' }));
    const posting = postBatch([
      orderBody({ channel: 'late', externalId: 'LATE-0' }),
      orderBody({ channel: 'late', externalId: 'LATE-1' }),
      orderBody({ channel: 'late', externalId: 'LATE-1' }),
      orderBody({ lines: [{ sku: 'NOPE', quantity: 1 }] }),
    ]);
    // The batch's insert waits on the unique index for the other transaction; then that one commits.
    const waitingOnLock = () =>
      oms
        .db('pg_stat_activity')
        .where({ wait_event_type: 'Lock' })
        .whereRaw('datname = current_database()')
        .count({ n: '*' })
        .first();
    expect(Number((await eventually(waitingOnLock, (row) => Number(row?.n) > 0, 30_000))?.n)).toBeGreaterThan(0);
    await trx.commit();

    const answer = (await posting).body;
    expect(answer).toMatchObject({ accepted: 1, rejected: 3 });
    const [late0, late1, late1Again, nope] = answer.results;
    expect(late0).toMatchObject({ existingOrderId: other, errors: [{ path: 'body.externalId' }] });
    expect(late1.id).toEqual(expect.any(String));
    expect(late1Again).toMatchObject({ existingOrderId: late1.id, errors: [{ path: 'body.externalId' }] });
    expect(nope.errors).toEqual([{ path: 'body.lines.0.sku', message: 'product NOPE does not exist' }]);
    // Nothing of the refused transaction stayed: the channel holds the other order and the one accepted row.
    expect((await oms.db('orders').where({ channel: 'late' }).orderBy('external_id')).map((row) => row.id)).toEqual([
      other,
      late1.id,
    ]);
  });

  it('gives each external ID to one order when two batches race for the same ones', async () => {
    const batch = (name: string) => [
      ...Array.from({ length: 50 }, (_, index) => orderBody({ channel: 'race', externalId: `SHARED-${index}` })),
      ...Array.from({ length: 50 }, (_, index) => orderBody({ channel: 'race', externalId: `${name}-${index}` })),
    ];
    const [first, second] = await Promise.all([postBatch(batch('A')), postBatch(batch('B'))]);
    const results = [...first.body.results, ...second.body.results];
    // Each batch's own rows are accepted; each shared ID went to one order, the other row names it.
    expect([first.body.results, second.body.results].map((rows) => rows.slice(50).every((row) => row.id))).toEqual([
      true,
      true,
    ]);
    expect(first.body.accepted + second.body.accepted).toBe(150);
    for (let index = 0; index < 50; index++) {
      const pair = [first.body.results[index], second.body.results[index]];
      const winner = pair.find((row) => row.id);
      expect(pair.filter((row) => row.id)).toHaveLength(1);
      expect(pair.find((row) => !row.id)?.existingOrderId).toBe(winner?.id);
    }
    const held = await oms.db('orders').where({ channel: 'race' }).count({ n: '*' }).first();
    expect(Number(held?.n)).toBe(150);
    // Every accepted order whole: its line and its start request, or (already started) no request left.
    const ids = results.flatMap((row) => (row.id ? [row.id] : []));
    expect(await rowsOf('order_lines', ids)).toBe(150);
    expect(await notStarted(ids)).toBe(0);
  });
});

interface BatchAnswer {
  accepted: number;
  rejected: number;
  results: { index: number; id?: string; existingOrderId?: string; errors: { path: string; message: string }[] }[];
}

/**
 * An API on the test database whose order workflows start on a task queue no worker polls, and whose SQL round trips
 * through knex (its own pool's) are counted. Its starts' bookkeeping uses the test OMS's pool: only requests count.
 */
async function apiStartingUnpolled(oms: TestOms) {
  const db = createDb(oms.databaseUrl, { poolMax: 10 });
  let queries = 0;
  db.on('query', () => (queries += 1));
  const orderStarts = createOrderStarts({
    db: oms.db,
    temporal: oms.temporal,
    taskQueue: `${oms.taskQueue}-unpolled`,
    logger: createLogger({ level: 'silent' }),
  });
  const api = await startSecondApi(oms, { temporal: oms.temporal, orderStarts, salesKey: 'batch-sales', db });
  return {
    base: api.baseUrl,
    queries: () => queries,
    async close() {
      await api.close();
      await orderStarts.settled();
      await db.destroy();
    },
  };
}
