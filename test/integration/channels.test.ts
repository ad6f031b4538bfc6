import { requestHashOf } from '../../services/idempotency-keys';
import { orderBody, startOms, type ApiResponse, type TestOms } from '../support/oms';

interface ListPage {
  items: { id: string; channel: string; externalId: string | null; customerId: string; createdAt: string }[];
  nextCursor: string | null;
}

/** Channels, external IDs and metadata on orders (SPEC sections 3 and 4): placing, refusing duplicates, listing. */
describe('order channels, external IDs and metadata', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  const place = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody(body), headers });
  const detail = async (id: string) => (await oms.request('GET', `/v1/orders/${id}`)).body;
  /** Every order a list query gives, following its cursor `limit` at a time. */
  async function listAll(query: string, limit = 2): Promise<ListPage['items']> {
    const items: ListPage['items'] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse<ListPage> = await oms.request(
        'GET',
        `/v1/orders?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { as: 'carrier' },
      );
      expect([query, page.status]).toEqual([query, 200]);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }
  const ids = (items: { id: string }[]) => items.map((item) => item.id);
  /** What placing an order writes in one statement (its workflow's start request goes once the workflow started). */
  async function countRows() {
    const [orders, lines, keys] = await Promise.all(
      ['orders', 'order_lines', 'idempotency_keys'].map(async (table) =>
        Number((await oms.db(table).count({ n: '*' }).first())?.n),
      ),
    );
    return { orders, lines, keys };
  }

  it('places an order in the api channel unless told, with no external ID or metadata', async () => {
    const placed = await place({});
    expect(placed.status).toBe(202);
    expect(await detail(placed.body.id)).toMatchObject({ channel: 'api', externalId: null, metadata: null });
    const listed = await oms.request('GET', `/v1/orders?q=${placed.body.id}`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: placed.body.id, channel: 'api', externalId: null }),
    ]);
  });

  it('refuses an external ID already used in the channel with a 409 naming the order, and allows it elsewhere', async () => {
    const metadata = { cartId: 'c-9912', note: 'gift wrap, "please"' };
    const first = await place({ channel: 'shopify', externalId: '#1001', metadata });
    expect(first.status).toBe(202);
    expect(await detail(first.body.id)).toMatchObject({ channel: 'shopify', externalId: '#1001', metadata });

    const before = await countRows();
    const again = await place({ channel: 'shopify', externalId: '#1001', lines: [{ sku: 'TEE-M', quantity: 1 }] });
    expect(again.status).toBe(409);
    expect(again.contentType).toContain('application/problem+json');
    expect(again.body).toMatchObject({
      status: 409,
      existingOrderId: first.body.id,
      detail: expect.stringContaining(first.body.id),
      errors: [{ path: 'body.externalId', message: expect.stringContaining(first.body.id) }],
    });
    expect(await countRows()).toEqual(before);

    // A taken external ID is answered before the other checks: the caller learns the order it already has.
    const alsoBroken = await place({ channel: 'shopify', externalId: '#1001', customerId: 'CUST-NOBODY' });
    expect([alsoBroken.status, alsoBroken.body.existingOrderId]).toEqual([409, first.body.id]);

    const elsewhere = await place({ channel: 'amazon', externalId: '#1001' });
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.body.id).not.toBe(first.body.id);
    // Without a channel it is the api channel's: free there too.
    expect((await place({ externalId: '#1001' })).status).toBe(202);
    expect((await place({ externalId: '#1001' })).body.existingOrderId).toBeDefined();
  });

  it('keeps the Idempotency-Key rules: a replay is the same order, not a 409; another body with the key is a 422', async () => {
    const body = { channel: 'pos.store-12', externalId: 'R-77', metadata: { till: '3' } };
    const first = await place(body, { 'idempotency-key': 'pos-77' });
    expect(first.status).toBe(202);
    const replay = await place(body, { 'idempotency-key': 'pos-77' });
    expect([replay.status, replay.body.id, replay.headers.get('idempotent-replayed')]).toEqual([
      202,
      first.body.id,
      'true',
    ]);
    const otherBody = await place({ ...body, metadata: { till: '4' } }, { 'idempotency-key': 'pos-77' });
    expect([otherBody.status, otherBody.body.errors[0].path]).toEqual([422, 'header.Idempotency-Key']);
    const otherKey = await place(body, { 'idempotency-key': 'pos-77-b' });
    expect([otherKey.status, otherKey.body.existingOrderId]).toEqual([409, first.body.id]);

    // `channel: "api"` given or left out is the same request for its key.
    const implicit = await place({ externalId: 'K-1' }, { 'idempotency-key': 'api-k1' });
    const explicit = await place({ externalId: 'K-1', channel: 'api' }, { 'idempotency-key': 'api-k1' });
    expect([explicit.status, explicit.body.id]).toEqual([202, implicit.body.id]);
  });

  it('fingerprints an api-channel order as before channels, so a key stored then still replays', async () => {
    const placed = await place({}, { 'idempotency-key': 'before-channels' });
    const stored = await oms.db('idempotency_keys').where({ key: 'before-channels' }).first('request_hash');
    // The request as it was parsed before channels existed (defaults included).
    const before = { ...orderBody(), expedite: false, backorderPolicy: 'ship_available' };
    expect(stored.request_hash).toBe(requestHashOf(before));
    expect((await place({}, { 'idempotency-key': 'before-channels' })).body.id).toBe(placed.body.id);
  });

  describe('concurrent placements with one external ID', () => {
    const outcomes = (responses: ApiResponse[]) => responses.map((response) => response.status).sort();

    async function raceFor(externalId: string, keys: string[]) {
      const responses = await Promise.all(
        keys.map((key) => place({ channel: 'marketplace', externalId }, { 'idempotency-key': key })),
      );
      const rows = await oms.db('orders').where({ channel: 'marketplace', external_id: externalId }).select('id');
      return { responses, rows };
    }

    it('places exactly one order and answers the others 409 naming it', async () => {
      const { responses, rows } = await raceFor('M-1', ['m1-a', 'm1-b', 'm1-c', 'm1-d', 'm1-e']);
      expect(outcomes(responses)).toEqual([202, 409, 409, 409, 409]);
      expect(rows).toHaveLength(1);
      for (const refused of responses.filter((response) => response.status === 409))
        expect(refused.body.existingOrderId).toBe(rows[0].id);
    });

    describe('when every request passes the check before any is written', () => {
      // Slow inserts of these external IDs: all five find the ID free, and the unique index decides.
      beforeAll(async () => {
        await oms.db.raw(`
          CREATE FUNCTION test_slow_race_insert() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.external_id LIKE 'slow-%' THEN PERFORM pg_sleep(0.5); END IF;
            RETURN NEW;
          END $$;
          CREATE TRIGGER test_slow_race_insert BEFORE INSERT ON orders
            FOR EACH ROW EXECUTE FUNCTION test_slow_race_insert();`);
      });
      afterAll(async () => {
        await oms.db.raw('DROP TRIGGER test_slow_race_insert ON orders; DROP FUNCTION test_slow_race_insert();');
      });

      it('still places exactly one, answering the others 409 from the unique index, and writes nothing for them', async () => {
        const before = await countRows();
        const { responses, rows } = await raceFor('slow-1', ['s1-a', 's1-b', 's1-c', 's1-d', 's1-e']);
        expect(outcomes(responses)).toEqual([202, 409, 409, 409, 409]);
        expect(rows).toHaveLength(1);
        for (const refused of responses.filter((response) => response.status === 409))
          expect(refused.body).toMatchObject({ existingOrderId: rows[0].id, errors: [{ path: 'body.externalId' }] });
        expect(await countRows()).toEqual({
          orders: before.orders + 1,
          lines: before.lines + 1,
          keys: before.keys + 1,
        });
        expect(oms.errors).toEqual([]);
      });

      it('answers the same order to every retry with one Idempotency-Key', async () => {
        const { responses, rows } = await raceFor('slow-2', ['s2', 's2', 's2', 's2', 's2']);
        expect(rows).toHaveLength(1);
        expect(responses.map((response) => [response.status, response.body.id])).toEqual(
          Array(5).fill([202, rows[0].id]),
        );
        expect(responses.filter((response) => response.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
      });
    });
  });

  describe('refuses malformed channels, external IDs and metadata with a 400 naming the field', () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
    const cases: { name: string; body: Record<string, unknown>; path: string }[] = [
      { name: '51 metadata keys', body: { metadata: keys(51) }, path: 'body.metadata' },
      { name: 'a 501-character value', body: { metadata: { note: 'x'.repeat(501) } }, path: 'body.metadata.note' },
      { name: 'a number as a value', body: { metadata: { count: 3 } }, path: 'body.metadata.count' },
      { name: 'an object as a value', body: { metadata: { nested: { a: 'b' } } }, path: 'body.metadata.nested' },
      {
        name: 'a 501-character key',
        body: { metadata: { ['k'.repeat(501)]: 'v' } },
        path: `body.metadata.${'k'.repeat(501)}`,
      },
      { name: 'an empty key', body: { metadata: { '': 'v' } }, path: 'body.metadata.' },
      { name: 'a list as metadata', body: { metadata: ['a'] }, path: 'body.metadata' },
      { name: 'a string as metadata', body: { metadata: 'a=b' }, path: 'body.metadata' },
      { name: 'NUL in a value', body: { metadata: { a: 'x\u0000y' } }, path: 'body.metadata.a' },
      { name: 'an upper-case channel', body: { channel: 'Shopify' }, path: 'body.channel' },
      { name: 'a 65-character channel', body: { channel: 'c'.repeat(65) }, path: 'body.channel' },
      { name: 'a channel with a space', body: { channel: 'web shop' }, path: 'body.channel' },
      { name: 'an empty external ID', body: { externalId: '  ' }, path: 'body.externalId' },
      { name: 'a 201-character external ID', body: { externalId: 'e'.repeat(201) }, path: 'body.externalId' },
      { name: 'a number as external ID', body: { externalId: 1001 }, path: 'body.externalId' },
    ];
    it.each(cases)('$name', async ({ body, path }) => {
      const before = await countRows();
      const response = await place(body);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      expect(await countRows()).toEqual(before);
    });

    it('refuses a __proto__ metadata key instead of dropping it', async () => {
      const response = await oms.request('POST', '/v1/orders', {
        as: 'sales',
        rawBody: JSON.stringify(orderBody()).replace(/}$/, ',"metadata":{"__proto__":"x","a":"b"}}'),
        headers: { 'content-type': 'application/json' },
      });
      expect([response.status, response.body.errors?.[0]?.path]).toEqual([400, 'body.metadata.__proto__']);
    });

    it('accepts 50 keys of 500 characters with 500-character values, kept as given', async () => {
      const metadata = Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(500, 'k'), `${i}`.padStart(500, 'é')]),
      );
      const placed = await place({ metadata, channel: 'a', externalId: 'e'.repeat(200) });
      expect(placed.status).toBe(202);
      expect(await detail(placed.body.id)).toMatchObject({ metadata, channel: 'a', externalId: 'e'.repeat(200) });
    });
  });

  it('places batch rows with channels and external IDs, refusing a taken one per row (JSON and CSV)', async () => {
    const taken = await place({ channel: 'b2b', externalId: 'PO-1' });
    const json = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      body: {
        orders: [
          orderBody({ channel: 'b2b', externalId: 'PO-2', metadata: { buyer: 'jo' } }),
          orderBody({ channel: 'b2b', externalId: 'PO-2' }), // the row above has it
          orderBody({ channel: 'b2b', externalId: 'PO-1' }), // an earlier order has it
          orderBody({ channel: 'b2b-eu', externalId: 'PO-2' }),
          orderBody({ channel: 'B2B', externalId: 'PO-3' }),
        ],
      },
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ accepted: 2, rejected: 3 });
    const [row0, row1, row2, row3, row4] = json.body.results;
    expect(row0).toMatchObject({ index: 0, id: expect.any(String) });
    expect(row1).toMatchObject({ index: 1, existingOrderId: row0.id, errors: [{ path: 'body.externalId' }] });
    expect(row2).toMatchObject({ index: 2, existingOrderId: taken.body.id, errors: [{ path: 'body.externalId' }] });
    expect(row3).toMatchObject({ index: 3, id: expect.any(String) });
    expect(row4).toMatchObject({ index: 4, errors: [{ path: 'body.channel' }] });
    expect(await detail(row0.id)).toMatchObject({ channel: 'b2b', externalId: 'PO-2', metadata: { buyer: 'jo' } });

    const csv = [
      'customerId,lines,paymentMethod,paymentToken,channel,externalId',
      'CUST-ACME,MUG-BLK:1,card,tok_ok,ebay,EB-1',
      'CUST-ACME,MUG-BLK:1,card,tok_ok,ebay,EB-1',
      'CUST-ACME,MUG-BLK:1,card,tok_ok,,EB-1',
      'CUST-ACME,MUG-BLK:1,card,tok_ok,b2b,PO-1',
      'CUST-ACME,MUG-BLK:1,card,tok_ok,,',
    ].join('\n');
    const fromCsv = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(fromCsv.body).toMatchObject({ accepted: 3, rejected: 2 });
    const results = fromCsv.body.results;
    expect(results[1]).toMatchObject({
      line: 3,
      existingOrderId: results[0].id,
      errors: [{ path: 'body.externalId' }],
    });
    expect(results[3]).toMatchObject({ line: 5, existingOrderId: taken.body.id });
    expect(await detail(results[0].id)).toMatchObject({ channel: 'ebay', externalId: 'EB-1', metadata: null });
    expect(await detail(results[2].id)).toMatchObject({ channel: 'api', externalId: 'EB-1' });
    expect(await detail(results[4].id)).toMatchObject({ channel: 'api', externalId: null });

    // Metadata is JSON-only: a CSV column for it is an unknown column.
    const withMetadata = await oms.request('POST', '/v1/orders/batch', {
      as: 'sales',
      rawBody: 'customerId,lines,paymentMethod,paymentToken,metadata\nCUST-ACME,MUG-BLK:1,card,tok_ok,x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(withMetadata.status).toBe(400);
  });

  describe('listing', () => {
    const channel = 'list-test';
    const placed: { id: string; trackingNumber: string; createdAt: string }[] = [];
    let otherId: string;
    // Oldest first: LT-001 (Acme), LT-002 (Initech), LT-003 (Acme), LT-004 (Initech), 50%_OFF (Globex).
    const externalIds = ['LT-001', 'LT-002', 'LT-003', 'LT-004', '50%_OFF'];
    const customers = ['CUST-ACME', 'CUST-INITECH', 'CUST-ACME', 'CUST-INITECH', 'CUST-GLOBEX'];
    beforeAll(async () => {
      for (const [index, externalId] of externalIds.entries()) {
        const customerId = customers[index];
        const body = orderBody({
          channel,
          externalId,
          customerId,
          ...(customerId === 'CUST-GLOBEX' ? { payment: { method: 'invoice' } } : {}),
        });
        const response = await oms.request('POST', '/v1/orders', { as: 'sales', body });
        expect(response.status).toBe(202);
        placed.push({ ...response.body, createdAt: (await detail(response.body.id)).createdAt });
      }
      // The newest: an order elsewhere with a look-alike external ID.
      const other = await place({ channel: 'other', externalId: 'LT-001' });
      expect(other.status).toBe(202);
      otherId = other.body.id;
    });
    const newestFirst = (indexes: number[]) => indexes.map((index) => placed[index].id).reverse();

    it('filters by channel, newest first, paging with a cursor', async () => {
      const items = await listAll(`channel=${channel}`);
      expect(ids(items)).toEqual(newestFirst([0, 1, 2, 3, 4]));
      expect(items[0]).toMatchObject({ channel, externalId: '50%_OFF' });
      expect(await listAll('channel=nobody')).toEqual([]);
    });

    it('filters by external ID, with or without a channel, and combines with the other filters', async () => {
      expect(ids(await listAll('externalId=LT-003'))).toEqual([placed[2].id]);
      expect(ids(await listAll('externalId=lt-003'))).toEqual([]); // exact, as placed
      expect((await listAll('externalId=LT-001')).map((item) => item.channel).sort()).toEqual(['list-test', 'other']);
      expect(ids(await listAll(`externalId=LT-001&channel=${channel}`))).toEqual([placed[0].id]);
      expect(ids(await listAll(`channel=${channel}&customerId=CUST-INITECH`))).toEqual(newestFirst([1, 3]));
      expect(ids(await listAll(`channel=${channel}&sku=MUG-BLK&customerId=CUST-ACME`, 1))).toEqual(newestFirst([0, 2]));
    });

    it('finds an order by its ID or tracking number, in any case', async () => {
      for (const q of [placed[1].id, placed[1].id.toLowerCase(), placed[1].trackingNumber.toLowerCase()])
        expect(ids(await listAll(`q=${encodeURIComponent(q)}`))).toEqual([placed[1].id]);
      expect(await listAll(`q=${placed[1].id.slice(0, -1)}`)).toEqual([]); // IDs whole
    });

    it('finds orders by the start of their external ID, in any case, with paging', async () => {
      expect(ids(await listAll(`q=lt-00&channel=${channel}`))).toEqual(newestFirst([0, 1, 2, 3]));
      expect(ids(await listAll('q=lt-00', 1))).toEqual([otherId, ...newestFirst([0, 1, 2, 3])]);
      expect(ids(await listAll('q=LT-004'))).toEqual([placed[3].id]);
      expect(await listAll(`q=T-00&channel=${channel}`)).toEqual([]); // a prefix, not a substring
      // LIKE's wildcards are plain characters here.
      expect(ids(await listAll(`q=${encodeURIComponent('50%_')}`))).toEqual([placed[4].id]);
      expect(await listAll(`q=${encodeURIComponent('5_%')}`)).toEqual([]);
      expect(await listAll(`q=${encodeURIComponent('%')}&channel=${channel}`)).toEqual([]);
    });

    it('finds orders by part of their customer name, in any case, with paging', async () => {
      expect(ids(await listAll(`q=NITEC&channel=${channel}`, 1))).toEqual(newestFirst([1, 3]));
      expect(ids(await listAll(`q=${encodeURIComponent('cme c')}&channel=${channel}`))).toEqual(newestFirst([0, 2]));
      expect(ids(await listAll(`q=glob&channel=${channel}&customerId=CUST-GLOBEX`))).toEqual([placed[4].id]);
      expect(await listAll(`q=${encodeURIComponent('acme%')}&channel=${channel}`)).toEqual([]);
    });

    it('filters by creation time, both ends included (to the millisecond shown)', async () => {
      const at = (index: number) => encodeURIComponent(placed[index].createdAt);
      expect(ids(await listAll(`channel=${channel}&createdFrom=${at(2)}`))).toEqual(newestFirst([2, 3, 4]));
      expect(ids(await listAll(`channel=${channel}&createdTo=${at(1)}`))).toEqual(newestFirst([0, 1]));
      expect(ids(await listAll(`channel=${channel}&createdFrom=${at(1)}&createdTo=${at(3)}`, 1))).toEqual(
        newestFirst([1, 2, 3]),
      );
      expect(ids(await listAll(`channel=${channel}&createdFrom=${at(3)}&createdTo=${at(3)}`))).toEqual([placed[3].id]);
      // Any offset is the same instant.
      const shifted = new Date(placed[2].createdAt).toISOString().replace('Z', '+00:00');
      expect(ids(await listAll(`channel=${channel}&createdTo=${encodeURIComponent(shifted)}`))).toEqual(
        newestFirst([0, 1, 2]),
      );
      expect(await listAll(`channel=${channel}&createdFrom=2999-01-01T00:00:00Z`)).toEqual([]);
    });

    it('refuses malformed filters with a 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['createdFrom=yesterday', 'query.createdFrom'],
        ['createdFrom=2026-03-07', 'query.createdFrom'],
        ['createdTo=2026-13-01T00:00:00Z', 'query.createdTo'],
        ['createdFrom=2026-03-07T12:00:00Z&createdTo=2026-03-07T11:59:59Z', 'query.createdTo'],
        ['channel=Web', 'query.channel'],
        ['externalId=', 'query.externalId'],
        [`q=${'x'.repeat(201)}`, 'query.q'],
        ['q=', 'query.q'],
      ];
      for (const [query, path] of cases) {
        const response = await oms.request('GET', `/v1/orders?${query}`);
        const paths = new Set(response.body.errors?.map((error: { path: string }) => error.path));
        expect([query, response.status, [...paths]]).toEqual([query, 400, [path]]);
      }
    });

    it('keeps the work-queue order for a waiting status: highest priority first, then oldest', async () => {
      // Above LAPTOP-14's per-order quota: both wait for approval.
      const laptops = { channel: 'queue-test', lines: [{ sku: 'LAPTOP-14', quantity: 6 }] };
      const standard = await place(laptops);
      const expedited = await place({ ...laptops, expedite: true });
      for (const order of [standard, expedited]) await oms.waitForStatus(order.body.id, 'AWAITING_APPROVAL');
      expect(ids(await listAll('status=AWAITING_APPROVAL&channel=queue-test', 1))).toEqual([
        expedited.body.id,
        standard.body.id,
      ]);
    });
  });
});
