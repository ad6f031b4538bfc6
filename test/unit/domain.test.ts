import { applyApproval, approvalReasons } from '../../domain/approval';
import { coversAllLines, planAllocation, rankWarehouses } from '../../domain/allocation';
import { formatDuration, parseDuration } from '../../domain/duration';
import { formatMoney, minorUnitDigits, toMajorUnits } from '../../domain/money';
import {
  billFor,
  catalogValue,
  findTaxRateBps,
  lineDiscounts,
  MAX_ORDER_VALUE,
  mulDivRound,
  orderValueProblem,
  priceOrder,
  promotionProblem,
  type CatalogPrice,
  type Promotion,
  type TaxRate,
} from '../../domain/pricing';
import { chooseService, quoteShipping, shippingZone, type ShippingRate } from '../../domain/shipping';
import { orderPriority } from '../../domain/priority';
import { missingAddressFields } from '../../domain/address';
import { promisedDeliveryDate } from '../../domain/delivery';
import { moneyDiscrepancies } from '../../domain/reconciliation';

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
    expect(toMajorUnits(6483, 'KWD')).toBe(6.483);
  });

  it("knows each currency's minor unit, three-decimal ones included", () => {
    expect(['USD', 'EUR', 'JPY', 'KRW', 'KWD', 'BHD', 'JOD', 'OMR', 'TND'].map(minorUnitDigits)).toEqual([
      2, 2, 0, 0, 3, 3, 3, 3, 3,
    ]);
    expect(formatMoney(12345, 'KWD')).toBe('12.345 KWD');
    expect(formatMoney(12345, 'JPY')).toBe('12345 JPY');
    expect(formatMoney(12345, 'USD')).toBe('123.45 USD');
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
      lines: [
        { sku: 'MUG', quantity: 3 },
        { sku: 'BEANS', quantity: 1 },
        { sku: 'PEN', quantity: 7 },
      ],
      catalog,
      taxRates: rates,
      destination: { country: 'US', region: 'NY' },
    });
    expect(priced.lines.map((line) => [line.sku, line.subtotal, line.discount, line.tax, line.total])).toEqual([
      ['MUG', 3750, 0, 333, 4083],
      ['BEANS', 3333, 0, 0, 3333],
      ['PEN', 1393, 0, 124, 1517], // 1393 × 8.88% = 123.70 -> 124
    ]);
    expect(priced.totals).toEqual({ currency: 'USD', subtotal: 8476, discount: 0, shipping: 0, tax: 457, total: 8933 });
  });

  it('takes the discount before tax and taxes shipping under SHIPPING', () => {
    const priced = priceOrder({
      currency: 'USD',
      lines: [
        { sku: 'MUG', quantity: 3 },
        { sku: 'PEN', quantity: 7 },
      ],
      catalog,
      taxRates: [...rates, { taxCode: 'SHIPPING', country: 'US', region: 'NY', rateBps: 888 }],
      destination: { country: 'US', region: 'NY' },
      promotion: { type: 'percent', value: 10 },
      shipping: { service: 'ground', amount: 695 },
    });
    // MUG 3750 - 375 = 3375, tax 299.70 -> 300; PEN 1393 - 139.3 -> 139 = 1254, tax 111.36 -> 111; shipping 695, tax 61.72 -> 62
    expect(priced.lines.map((line) => [line.discount, line.tax, line.total])).toEqual([
      [375, 300, 3675],
      [139, 111, 1365],
    ]);
    expect(priced.shipping).toEqual({ service: 'ground', amount: 695, tax: 62 });
    expect(priced.totals).toEqual({
      currency: 'USD',
      subtotal: 5143,
      discount: 514,
      shipping: 695,
      tax: 473,
      total: 5797,
    });
  });

  it('bills partial shipments so that they add up to the order exactly', () => {
    const priced = priceOrder({
      currency: 'USD',
      lines: [
        { sku: 'PEN', quantity: 7 },
        { sku: 'MUG', quantity: 3 },
      ],
      catalog,
      taxRates: rates,
      destination: { country: 'US', region: 'NY' },
      promotion: { type: 'fixed', value: 100 },
      shipping: { service: 'ground', amount: 500 },
    });
    const order = { ...priced, currency: 'USD' };
    const first = billFor(
      order,
      new Map(),
      [
        { sku: 'PEN', quantity: 3 },
        { sku: 'MUG', quantity: 1 },
      ],
      true,
    );
    const second = billFor(
      order,
      new Map([
        ['PEN', 3],
        ['MUG', 1],
      ]),
      [{ sku: 'PEN', quantity: 2 }],
      false,
    );
    const third = billFor(
      order,
      new Map([
        ['PEN', 5],
        ['MUG', 1],
      ]),
      [
        { sku: 'PEN', quantity: 2 },
        { sku: 'MUG', quantity: 2 },
      ],
      false,
    );
    expect(first.shipping).toBe(500);
    expect(second.shipping).toBe(0);
    expect(first.total + second.total + third.total).toBe(priced.totals.total);
    expect(first.tax + second.tax + third.tax).toBe(priced.totals.tax);
    expect(first.discount + second.discount + third.discount).toBe(100);
  });
  it('refuses to price a SKU missing from the catalog', () => {
    expect(() =>
      priceOrder({
        currency: 'USD',
        lines: [{ sku: 'NOPE', quantity: 1 }],
        catalog,
        taxRates: rates,
        destination: { country: 'US', region: 'NY' },
      }),
    ).toThrow('NOPE');
  });
});

describe('order value', () => {
  const catalog = new Map([
    ['A', { unitPrice: 250 }],
    ['B', { unitPrice: MAX_ORDER_VALUE }],
  ]);

  it('is the lines at catalog prices, and may be at most MAX_ORDER_VALUE', () => {
    expect(catalogValue([{ sku: 'A', quantity: 4 }], catalog)).toBe(1000);
    expect(orderValueProblem(catalogValue([{ sku: 'B', quantity: 1 }], catalog), 'USD')).toBeUndefined();
    // Far past the safe integers the sum is a float, still far above the limit.
    const huge = catalogValue(
      [
        { sku: 'B', quantity: 1_000_000 },
        { sku: 'A', quantity: 1 },
      ],
      catalog,
    );
    expect(Number.isSafeInteger(huge)).toBe(false);
    expect(orderValueProblem(huge, 'JPY')).toBe(
      'the order is worth more at catalog prices than an order may be (10000000000000 JPY); split it',
    );
    expect(orderValueProblem(MAX_ORDER_VALUE + 1, 'USD')).toMatch(/\(100000000000\.00 USD\)/);
  });
});

describe('promotions', () => {
  const promotion: Promotion = {
    code: 'P',
    type: 'fixed',
    value: 1000,
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2026-12-31T23:59:59Z',
    minOrderAmount: 5000,
    usageLimit: null,
  };

  it('applies only inside its validity window and above its minimum order', () => {
    expect(promotionProblem(promotion, 5000, new Date('2026-06-01T00:00:00Z'))).toBeUndefined();
    expect(promotionProblem(promotion, 4999, new Date('2026-06-01T00:00:00Z'))).toMatch(/at least 5000/);
    expect(promotionProblem(promotion, 9000, new Date('2025-12-31T23:59:59Z'))).toMatch(/not valid before/);
    expect(promotionProblem(promotion, 9000, new Date('2027-01-01T00:00:00Z'))).toMatch(/expired/);
  });

  it('spreads a fixed amount over the lines exactly, largest remainders first, and never beyond the subtotal', () => {
    expect(lineDiscounts([1000, 1000, 1000], { type: 'fixed', value: 100 })).toEqual([34, 33, 33]);
    expect(lineDiscounts([300, 100], { type: 'fixed', value: 1000 })).toEqual([300, 100]);
    expect(lineDiscounts([999, 1], { type: 'percent', value: 15 })).toEqual([150, 0]);
    expect(lineDiscounts([500], undefined)).toEqual([0]);
  });
});

describe('shipping', () => {
  const rates: ShippingRate[] = [
    { service: 'ground', zone: 2, maxWeightGrams: 1000, amount: 695, transitDays: 4 },
    { service: 'ground', zone: 2, maxWeightGrams: 5000, amount: 1195, transitDays: 4 },
    { service: 'express', zone: 2, maxWeightGrams: 5000, amount: 2995, transitDays: 2 },
    { service: 'ground', zone: 1, maxWeightGrams: 5000, amount: 895, transitDays: 2 },
  ];

  it('finds the zone from origin and destination', () => {
    expect(shippingZone({ region: 'NJ', country: 'US' }, { region: 'NJ', country: 'US' })).toBe(1);
    expect(shippingZone({ region: 'NJ', country: 'US' }, { region: 'NY', country: 'US' })).toBe(2);
    expect(shippingZone({ region: 'NJ', country: 'US' }, { region: 'ON', country: 'CA' })).toBe(3);
  });

  it('quotes each service at its cheapest bracket for the weight, and picks by price or, expedited, by speed', () => {
    const quotes = quoteShipping(rates, 2, 800);
    expect(quotes).toEqual([
      { service: 'ground', amount: 695, transitDays: 4 },
      { service: 'express', amount: 2995, transitDays: 2 },
    ]);
    expect(quoteShipping(rates, 2, 2000)).toEqual([
      { service: 'ground', amount: 1195, transitDays: 4 },
      { service: 'express', amount: 2995, transitDays: 2 },
    ]);
    expect(quoteShipping(rates, 2, 6000)).toEqual([]);
    expect(chooseService(quotes, false)?.service).toBe('ground');
    expect(chooseService(quotes, true)?.service).toBe('express');
  });
});

describe('approval quotas', () => {
  const base = {
    total: 10_000,
    approvalLimit: 10_000,
    paymentTerms: 'prepaid' as const,
    creditLimit: 0,
    outstandingReceivables: 0,
    lines: [{ sku: 'A', quantity: 5, maxOrderQuantity: 5 }],
  };

  it('needs no approval within every limit', () => {
    expect(approvalReasons(base)).toEqual([]);
  });

  it('needs approval above the approval limit, above a line maximum, or beyond net30 credit', () => {
    expect(approvalReasons({ ...base, total: 10_001 })).toHaveLength(1);
    expect(approvalReasons({ ...base, lines: [{ sku: 'A', quantity: 6, maxOrderQuantity: 5 }] })).toEqual([
      'A: quantity 6 exceeds the per-order maximum 5',
    ]);
    expect(
      approvalReasons({ ...base, paymentTerms: 'net30', creditLimit: 15_000, outstandingReceivables: 6_000 }),
    ).toEqual(['order total 10000 exceeds the remaining credit 9000']);
    expect(
      approvalReasons({ ...base, paymentTerms: 'net30', creditLimit: 15_000, outstandingReceivables: 5_000 }),
    ).toEqual([]);
  });

  it('counts the open net30 orders not yet invoiced against the credit, as receivables are', () => {
    const net30 = { ...base, paymentTerms: 'net30' as const, creditLimit: 15_000, outstandingReceivables: 2_000 };
    expect(approvalReasons({ ...net30, openOrdersNotInvoiced: 3_000 })).toEqual([]);
    expect(approvalReasons({ ...net30, openOrdersNotInvoiced: 3_001 })).toEqual([
      'order total 10000 exceeds the remaining credit 9999',
    ]);
    // Orders priced before open orders were counted carry no figure: none counted.
    expect(approvalReasons({ ...net30, openOrdersNotInvoiced: undefined })).toEqual([]);
    // A prepaid customer's open orders are no credit.
    expect(approvalReasons({ ...base, openOrdersNotInvoiced: 1_000_000 })).toEqual([]);
  });

  it('applies an approval: unlisted lines keep their quantity, listed ones are reduced', () => {
    const lines = [
      { sku: 'A', quantity: 5 },
      { sku: 'B', quantity: 2 },
    ];
    expect(applyApproval(lines)).toEqual({
      ok: true,
      approved: new Map([
        ['A', 5],
        ['B', 2],
      ]),
    });
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 3 }])).toEqual({
      ok: true,
      approved: new Map([
        ['A', 3],
        ['B', 2],
      ]),
    });
  });

  it('refuses approvals above the ordered quantity, for unknown lines, or of nothing at all', () => {
    const lines = [{ sku: 'A', quantity: 5 }];
    expect(applyApproval(lines, [{ sku: 'A', approvedQuantity: 6 }])).toEqual({
      ok: false,
      errors: ['A: approvedQuantity 6 exceeds the ordered quantity'],
    });
    expect(applyApproval(lines, [{ sku: 'Z', approvedQuantity: 1 }])).toEqual({
      ok: false,
      errors: ['Z: not a line of this order'],
    });
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
    expect(
      coversAllLines(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
        new Map([['A', 5]]),
      ),
    ).toBe(false);
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
    for (const bad of ['10', '5w', '', 's', '1h 30m', '-1s'])
      expect(() => parseDuration(bad)).toThrow(/invalid duration/);
  });

  it('formats with the largest exact unit', () => {
    expect(formatDuration(172_800_000)).toBe('2d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('addresses and promised dates', () => {
  it('lists the fields an address lacks', () => {
    expect(
      missingAddressFields({ name: 'A', line1: ' ', city: 'B', region: 'NY', postalCode: '1', country: 'US' }),
    ).toEqual(['line1']);
    expect(missingAddressFields(undefined)).toEqual(['name', 'line1', 'city', 'region', 'postalCode', 'country']);
  });

  it('ships the same day before the cutoff and the next day after it', () => {
    expect(promisedDeliveryDate(new Date('2026-03-02T10:00:00Z'), 16, 3)).toBe('2026-03-05');
    expect(promisedDeliveryDate(new Date('2026-03-02T17:00:00Z'), 16, 3)).toBe('2026-03-06');
  });
});

describe('allocation plan', () => {
  const stock = (entries: Record<string, Record<string, number>>) =>
    new Map(Object.entries(entries).map(([warehouse, skus]) => [warehouse, new Map(Object.entries(skus))]));

  it('uses the first ranked warehouse that can ship everything', () => {
    const plan = planAllocation(
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
      ['W1', 'W2', 'W3'],
      stock({ W1: { A: 5 }, W2: { A: 2, B: 1 }, W3: { A: 9, B: 9 } }),
    );
    expect(plan).toEqual({
      shipments: [
        {
          warehouse: 'W2',
          lines: [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 1 },
          ],
        },
      ],
      unallocated: [],
    });
  });

  it('splits with the fewest shipments when no warehouse has everything', () => {
    // W1 has a little of everything, W2 has all of A and B, W3 has all of C: two shipments beat three.
    const plan = planAllocation(
      [
        { sku: 'A', quantity: 4 },
        { sku: 'B', quantity: 4 },
        { sku: 'C', quantity: 4 },
      ],
      ['W1', 'W2', 'W3'],
      stock({ W1: { A: 1, B: 1, C: 1 }, W2: { A: 4, B: 4 }, W3: { C: 4 } }),
    );
    expect(plan.shipments).toEqual([
      {
        warehouse: 'W2',
        lines: [
          { sku: 'A', quantity: 4 },
          { sku: 'B', quantity: 4 },
        ],
      },
      { warehouse: 'W3', lines: [{ sku: 'C', quantity: 4 }] },
    ]);
    expect(plan.unallocated).toEqual([]);
  });

  it('splits one line across warehouses and reports what nobody has', () => {
    const plan = planAllocation(
      [
        { sku: 'A', quantity: 10 },
        { sku: 'Z', quantity: 1 },
      ],
      ['W1', 'W2'],
      stock({ W1: { A: 6 }, W2: { A: 3 } }),
    );
    expect(plan.shipments).toEqual([
      { warehouse: 'W1', lines: [{ sku: 'A', quantity: 6 }] },
      { warehouse: 'W2', lines: [{ sku: 'A', quantity: 3 }] },
    ]);
    expect(plan.unallocated).toEqual([
      { sku: 'A', quantity: 1 },
      { sku: 'Z', quantity: 1 },
    ]);
    const planned = plan.shipments.flatMap((shipment) => shipment.lines).reduce((sum, line) => sum + line.quantity, 0);
    expect(planned + plan.unallocated.reduce((sum, line) => sum + line.quantity, 0)).toBe(11);
  });

  it('prefers the better-ranked warehouse when two are equally good', () => {
    const plan = planAllocation(
      [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 3 },
      ],
      ['W2', 'W1', 'W3'],
      stock({ W1: { A: 3 }, W2: { A: 3 }, W3: { B: 3 } }),
    );
    expect(plan.shipments.map((shipment) => shipment.warehouse)).toEqual(['W2', 'W3']);
  });
});

describe('payment reconciliation', () => {
  const settled = {
    orderId: 'O',
    status: 'SHIPPED' as const,
    paymentMethod: 'card' as const,
    authorized: 1000,
    captured: 800,
    voided: 200,
    refunded: 0,
    invoiced: 800,
    credited: 0,
  };

  it('finds nothing wrong when every amount adds up', () => {
    expect(moneyDiscrepancies(settled)).toEqual([]);
    expect(moneyDiscrepancies({ ...settled, status: 'PARTIALLY_SHIPPED', voided: 0 })).toEqual([]);
    expect(
      moneyDiscrepancies({
        ...settled,
        paymentMethod: 'invoice',
        authorized: 0,
        captured: 0,
        voided: 0,
        invoiced: 5000,
      }),
    ).toEqual([]);
  });

  it('reports over-capture, uninvoiced captures, open authorizations, over-refunds and missing credit notes', () => {
    expect(moneyDiscrepancies({ ...settled, captured: 1200, invoiced: 1200, voided: 0 })).toContain(
      'captured 1200 exceeds authorized 1000',
    );
    expect(moneyDiscrepancies({ ...settled, invoiced: 700 })).toEqual(['invoiced 700 differs from captured 800']);
    expect(moneyDiscrepancies({ ...settled, voided: 0 })).toEqual([
      '200 of the authorization is neither captured nor voided',
    ]);
    expect(moneyDiscrepancies({ ...settled, refunded: 900, credited: 900 })).toEqual([
      'refunded 900 exceeds what was charged',
    ]);
    expect(moneyDiscrepancies({ ...settled, refunded: 100 })).toEqual(['credit notes 0 differ from refunds 100']);
  });
});
