import { applyApproval, approvalReasons } from '../../domain/approval';
import { coversAllLines, rankWarehouses } from '../../domain/allocation';
import { formatDuration, parseDuration } from '../../domain/duration';
import { toMajorUnits } from '../../domain/money';
import { findTaxRateBps, mulDivRound, priceOrder, priceQuantities, type CatalogPrice, type TaxRate } from '../../domain/pricing';
import { orderPriority } from '../../domain/priority';
import { missingAddressFields } from '../../domain/address';
import { promisedDeliveryDate } from '../../domain/delivery';

describe('money', () => {
  it('rounds half away from zero exactly, even beyond float precision', () => {
    expect(mulDivRound(3750, 888, 10_000)).toBe(333); // 333.0
    expect(mulDivRound(1250, 888, 10_000)).toBe(111); // 111.0
    expect(mulDivRound(25, 1, 2)).toBe(13); // 12.5 -> 13
    expect(mulDivRound(-25, 1, 2)).toBe(-13);
    expect(mulDivRound(24, 1, 2)).toBe(12);
    expect(mulDivRound(9_007_199_254_740_991, 5000, 10_000)).toBe(4_503_599_627_370_496);
    expect(() => mulDivRound(1.5, 1, 1)).toThrow(RangeError);
  });

  it('converts minor to major units by currency exponent', () => {
    expect(toMajorUnits(6483, 'USD')).toBe(64.83);
    expect(toMajorUnits(6483, 'JPY')).toBe(6483);
  });
});

describe('pricing', () => {
  const rates: TaxRate[] = [
    { taxCode: 'GENERAL', country: 'US', region: '*', rateBps: 500 },
    { taxCode: 'GENERAL', country: 'US', region: 'NY', rateBps: 888 },
    { taxCode: 'FOOD', country: 'US', region: '*', rateBps: 0 },
  ];
  const catalog = new Map<string, CatalogPrice>([
    ['MUG', { sku: 'MUG', unitPrice: 1250, currency: 'USD', taxCode: 'GENERAL' }],
    ['BEANS', { sku: 'BEANS', unitPrice: 3333, currency: 'USD', taxCode: 'FOOD' }],
    ['PEN', { sku: 'PEN', unitPrice: 199, currency: 'USD', taxCode: 'GENERAL' }],
  ]);

  it('finds the regional rate first, then the country rate, else none', () => {
    expect(findTaxRateBps(rates, 'GENERAL', { country: 'US', region: 'NY' })).toBe(888);
    expect(findTaxRateBps(rates, 'GENERAL', { country: 'US', region: 'TX' })).toBe(500);
    expect(findTaxRateBps(rates, 'GENERAL', { country: 'CA', region: 'ON' })).toBe(0);
  });

  it('prices and taxes each line, rounding per line, and adds up the totals', () => {
    const priced = priceOrder({
      currency: 'USD',
      lines: [{ sku: 'MUG', quantity: 3 }, { sku: 'BEANS', quantity: 1 }, { sku: 'PEN', quantity: 7 }],
      catalog,
      taxRates: rates,
      destination: { country: 'US', region: 'NY' },
    });
    expect(priced.lines.map((line) => [line.sku, line.subtotal, line.tax, line.total])).toEqual([
      ['MUG', 3750, 333, 4083],
      ['BEANS', 3333, 0, 3333],
      ['PEN', 1393, 124, 1517], // 1393 × 8.88% = 123.70 -> 124
    ]);
    expect(priced.totals).toEqual({ currency: 'USD', subtotal: 8476, discount: 0, shipping: 0, tax: 457, total: 8933 });
  });

  it('prices a subset of quantities at the same unit prices and rates', () => {
    const priced = priceOrder({ currency: 'USD', lines: [{ sku: 'MUG', quantity: 3 }, { sku: 'PEN', quantity: 7 }], catalog, taxRates: rates, destination: { country: 'US', region: 'NY' } });
    const part = priceQuantities(priced.lines, new Map([['MUG', 1], ['PEN', 0]]));
    expect(part).toEqual([expect.objectContaining({ sku: 'MUG', quantity: 1, subtotal: 1250, tax: 111, total: 1361 })]);
  });

  it('refuses to price a SKU missing from the catalog', () => {
    expect(() => priceOrder({ currency: 'USD', lines: [{ sku: 'NOPE', quantity: 1 }], catalog, taxRates: rates, destination: { country: 'US', region: 'NY' } })).toThrow('NOPE');
  });
});

describe('approval quotas', () => {
  const base = { total: 10_000, approvalLimit: 10_000, paymentTerms: 'prepaid' as const, creditLimit: 0, outstandingReceivables: 0, lines: [{ sku: 'A', quantity: 5, maxOrderQuantity: 5 }] };

  it('needs no approval within every limit', () => {
    expect(approvalReasons(base)).toEqual([]);
  });

  it('needs approval above the approval limit, above a line maximum, or beyond net30 credit', () => {
    expect(approvalReasons({ ...base, total: 10_001 })).toHaveLength(1);
    expect(approvalReasons({ ...base, lines: [{ sku: 'A', quantity: 6, maxOrderQuantity: 5 }] })).toEqual(['A: quantity 6 exceeds the per-order maximum 5']);
    expect(approvalReasons({ ...base, paymentTerms: 'net30', creditLimit: 15_000, outstandingReceivables: 6_000 })).toEqual(['order total 10000 exceeds the remaining credit 9000']);
    expect(approvalReasons({ ...base, paymentTerms: 'net30', creditLimit: 15_000, outstandingReceivables: 5_000 })).toEqual([]);
  });

  it('applies an approval: unlisted lines keep their quantity, listed ones are reduced', () => {
    const lines = [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }];
    expect(applyApproval(lines)).toEqual({ ok: true, approved: new Map([['A', 5], ['B', 2]]) });
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 3 }])).toEqual({ ok: true, approved: new Map([['A', 3], ['B', 2]]) });
  });

  it('refuses approvals above the ordered quantity, for unknown lines, or of nothing at all', () => {
    const lines = [{ sku: 'A', quantity: 5 }];
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 6 }])).toEqual({ ok: false, errors: ['A: approvedQuantity 6 exceeds the ordered quantity'] });
    expect(applyApproval(lines, [{ sku: 'Z', approvedQuantity: 1 }])).toEqual({ ok: false, errors: ['Z: not a line of this order'] });
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 0 }])).toMatchObject({ ok: false });
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 1.5 }])).toMatchObject({ ok: false });
  });
});

describe('priority', () => {
  it('follows the customer tier, raised one by expedite but never above 1; batch imports default to 4', () => {
    expect(orderPriority({ tier: 'critical' })).toBe(1);
    expect(orderPriority({ tier: 'priority' })).toBe(2);
    expect(orderPriority({ tier: 'standard' })).toBe(3);
    expect(orderPriority({ tier: 'standard', expedite: true })).toBe(2);
    expect(orderPriority({ tier: 'critical', expedite: true })).toBe(1);
    expect(orderPriority({ tier: 'critical', source: 'batch' })).toBe(4);
    expect(orderPriority({ tier: 'standard', source: 'batch', expedite: true })).toBe(3);
  });
});

describe('warehouse ranking', () => {
  it('prefers lower warehouse priority, then the destination region, then code', () => {
    const warehouses = [
      { code: 'C', region: 'CA', priority: 2 },
      { code: 'B', region: 'TX', priority: 1 },
      { code: 'A', region: 'NY', priority: 1 },
      { code: 'D', region: 'TX', priority: 1 },
    ];
    expect(rankWarehouses(warehouses, { region: 'TX' }).map((w) => w.code)).toEqual(['B', 'D', 'A', 'C']);
  });

  it('covers an order only when every line is available in full', () => {
    expect(coversAllLines([{ sku: 'A', quantity: 2 }], new Map([['A', 2]]))).toBe(true);
    expect(coversAllLines([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], new Map([['A', 5]]))).toBe(false);
  });
});

describe('durations', () => {
  it('parses the units of SPEC section 2 and their combinations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('48h')).toBe(172_800_000);
    expect(parseDuration('14d')).toBe(1_209_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses numbers without units and unknown units', () => {
    for (const bad of ['10', '5w', '', 's', '1h 30m', '-1s']) expect(() => parseDuration(bad)).toThrow(/invalid duration/);
  });

  it('formats with the largest exact unit', () => {
    expect(formatDuration(172_800_000)).toBe('2d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('addresses and promised dates', () => {
  it('lists the fields an address lacks', () => {
    expect(missingAddressFields({ name: 'A', line1: ' ', city: 'B', region: 'NY', postalCode: '1', country: 'US' })).toEqual(['line1']);
    expect(missingAddressFields(undefined)).toEqual(['name', 'line1', 'city', 'region', 'postalCode', 'country']);
  });

  it('ships the same day before the cutoff and the next day after it', () => {
    expect(promisedDeliveryDate(new Date('2026-03-02T10:00:00Z'), 16, 3)).toBe('2026-03-05');
    expect(promisedDeliveryDate(new Date('2026-03-02T17:00:00Z'), 16, 3)).toBe('2026-03-06');
  });
});
