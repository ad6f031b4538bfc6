import { ordersFromCsv } from '../../api/batch-csv';
import { tryParse } from '../../api/problem';
import { listOrdersQuerySchema, placeOrderSchema } from '../../api/schemas';
import { escapeLike } from '../../db/orders';

const order = (fields: Record<string, unknown> = {}) => ({
  customerId: 'CUST-ACME',
  lines: [{ sku: 'MUG-BLK', quantity: 1 }],
  payment: { method: 'card', token: 'tok_ok' },
  ...fields,
});
const paths = (result: ReturnType<typeof tryParse>) => ('errors' in result ? result.errors.map((e) => e.path) : []);
const parsed = <T>(result: { data: T } | { errors: unknown[] }): T => {
  if ('errors' in result) throw new Error(JSON.stringify(result.errors));
  return result.data;
};

/** What an order's channel, external ID and metadata may be (SPEC section 4, POST /v1/orders), and the list filters. */
describe('order channels, external IDs and metadata on entry', () => {
  it('defaults the channel to api and keeps what is given, the external ID trimmed', () => {
    expect(parsed(tryParse(placeOrderSchema, order()))).toMatchObject({ channel: 'api' });
    expect(parsed(tryParse(placeOrderSchema, order()))).not.toHaveProperty('externalId');
    expect(
      parsed(tryParse(placeOrderSchema, order({ channel: 'pos.store-12_b', externalId: ' #1001 ', metadata: {} }))),
    ).toMatchObject({ channel: 'pos.store-12_b', externalId: '#1001', metadata: {} });
  });

  it.each([
    ['Shopify', 'upper case'],
    ['', 'empty'],
    ['-web', 'starting with a dash'],
    ['web shop', 'with a space'],
    ['c'.repeat(65), '65 characters'],
    [12, 'a number'],
  ])('refuses the channel %j (%s)', (channel: unknown, _why: string) => {
    expect(paths(tryParse(placeOrderSchema, order({ channel })))).toEqual(['body.channel']);
  });

  it('takes channels of 1 to 64 characters', () => {
    for (const channel of ['a', '0', 'c'.repeat(64), 'amazon.de', 'b2b_eu-west'])
      expect(paths(tryParse(placeOrderSchema, order({ channel })))).toEqual([]);
  });

  it('takes external IDs of 1 to 200 characters', () => {
    for (const externalId of ['1', 'e'.repeat(200), 'Ünïcødé #1/2'])
      expect(paths(tryParse(placeOrderSchema, order({ externalId })))).toEqual([]);
    for (const externalId of ['', '   ', 'e'.repeat(201), 'a\u0000b', 7, null])
      expect(paths(tryParse(placeOrderSchema, order({ externalId })))).toEqual(['body.externalId']);
  });

  it('takes up to 50 metadata keys and values of up to 500 characters', () => {
    const keys = (count: number, value = 'v') =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`${i}`.padStart(500, 'k'), value]));
    expect(paths(tryParse(placeOrderSchema, order({ metadata: keys(50, 'v'.repeat(500)) })))).toEqual([]);
    expect(paths(tryParse(placeOrderSchema, order({ metadata: { a: '' } })))).toEqual([]);
    expect(paths(tryParse(placeOrderSchema, order({ metadata: keys(51) })))).toEqual(['body.metadata']);
  });

  it.each([
    [{ a: 'v'.repeat(501) }, 'body.metadata.a'],
    [{ ['k'.repeat(501)]: 'v' }, `body.metadata.${'k'.repeat(501)}`],
    [{ '': 'v' }, 'body.metadata.'],
    [{ n: 1 }, 'body.metadata.n'],
    [{ b: true }, 'body.metadata.b'],
    [{ x: null }, 'body.metadata.x'],
    [{ o: { a: 'b' } }, 'body.metadata.o'],
    [{ l: ['a'] }, 'body.metadata.l'],
    [{ a: 'x\u0000' }, 'body.metadata.a'],
    [['a', 'b'], 'body.metadata'],
    ['a=b', 'body.metadata'],
    [null, 'body.metadata'],
    [JSON.parse('{"__proto__":"x"}'), 'body.metadata.__proto__'],
  ])('refuses the metadata %j naming %s', (metadata, path) => {
    const result = tryParse(placeOrderSchema, order({ metadata }));
    expect(paths(result)).toEqual([path]);
    expect('errors' in result && result.errors[0].message).toEqual(expect.any(String));
  });

  it('says why a metadata value or key is refused', () => {
    const messages = (metadata: unknown) => {
      const result = tryParse(placeOrderSchema, order({ metadata }));
      return 'errors' in result ? result.errors.map((error) => error.message) : [];
    };
    expect(messages({ n: 1 })).toEqual(['must be a string']);
    expect(messages({ a: 'v'.repeat(501) })).toEqual(['must be at most 500 characters']);
    expect(messages({ ['k'.repeat(501)]: 'v' })).toEqual(['keys are 1 to 500 characters, without NUL']);
    expect(messages(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])))).toEqual([
      'must have at most 50 keys',
    ]);
  });
});

describe('order list filters', () => {
  const query = (values: Record<string, string>) => tryParse(listOrdersQuerySchema, values, 'query');

  it('takes channel, externalId, q and a creation window', () => {
    expect(
      parsed(
        query({
          channel: 'shopify',
          externalId: '#1001',
          q: ' acme ',
          createdFrom: '2026-03-07T00:00:00Z',
          createdTo: '2026-03-07T00:00:00+00:00',
        }),
      ),
    ).toMatchObject({ channel: 'shopify', externalId: '#1001', q: 'acme', limit: 50 });
  });

  it.each([
    [{ createdFrom: '2026-03-07' }, 'query.createdFrom'],
    [{ createdTo: 'now' }, 'query.createdTo'],
    [{ createdFrom: '2026-03-07T12:00:00' }, 'query.createdFrom'],
    [{ createdFrom: '2026-03-07T12:00:00Z', createdTo: '2026-03-07T11:00:00Z' }, 'query.createdTo'],
    [{ createdFrom: '2026-03-07T12:00:00+02:00', createdTo: '2026-03-07T10:30:00+01:00' }, 'query.createdTo'],
    [{ channel: 'Web' }, 'query.channel'],
    [{ q: '' }, 'query.q'],
    [{ q: 'x'.repeat(201) }, 'query.q'],
    [{ externalId: ' ' }, 'query.externalId'],
  ])('refuses %j naming %s', (values, path) => {
    expect([...new Set(paths(query(values)))]).toEqual([path]);
  });

  it('takes a window whose ends are one instant, in any offset', () => {
    expect(paths(query({ createdFrom: '2026-03-07T12:00:00+02:00', createdTo: '2026-03-07T10:00:00Z' }))).toEqual([]);
  });

  it("escapes LIKE's wildcards and its escape character", () => {
    expect(escapeLike('50%_off\\x')).toBe('50\\%\\_off\\\\x');
    expect(escapeLike('plain')).toBe('plain');
  });
});

describe('batch CSV', () => {
  it('reads the channel and externalId columns, empty cells left out', () => {
    const [given, empty] = ordersFromCsv(
      [
        'customerId,lines,paymentMethod,paymentToken,channel,externalId',
        'CUST-ACME,MUG-BLK:1,card,tok_ok,ebay, EB-1 ',
        'CUST-ACME,MUG-BLK:1,card,tok_ok,,',
      ].join('\n'),
    );
    expect(given).toMatchObject({ channel: 'ebay', externalId: 'EB-1' });
    expect(parsed(tryParse(placeOrderSchema, empty))).toMatchObject({ channel: 'api' });
    expect(parsed(tryParse(placeOrderSchema, empty)).externalId).toBeUndefined();
  });

  it('has no metadata column (JSON only)', () => {
    expect(() => ordersFromCsv('customerId,metadata\nCUST-ACME,x')).toThrow(/unknown CSV columns: metadata/);
  });
});
