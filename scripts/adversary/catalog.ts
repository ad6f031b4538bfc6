import type { OmsApiClient } from '../system/api-client';

/**
 * The products, customers and promotion a run creates for itself (through the API, as an admin), named with the
 * run's tag so that runs against one system never share stock: a run's stock and ledger checks see its own SKUs
 * only. The warehouses are the demo ones (EWR priority 1, RNO priority 2).
 */
export interface RunCatalog {
  tag: string;
  skus: {
    /** Plenty in both warehouses. */
    mug: string;
    /** Plenty in EWR only. */
    tee: string;
    /** Only in EWR, and WEST only in RNO: an order of both splits across the warehouses. */
    east: string;
    west: string;
    /** Starts with 2 units: its orders backorder until the warehouse receives more. */
    scarce: string;
    /** Expensive, at most 2 per order without approval. */
    big: string;
  };
  /** A SKU in the catalog that no order of the run names: a "foreign" SKU for hostile requests. */
  foreign: string;
  customers: {
    /** Prepaid, approval above 2,000.00. */
    standard: string;
    /** Prepaid, critical tier (priority 1). */
    critical: string;
    /** net30 invoices, credit limit 50,000.00. */
    net30: string;
  };
  promotion: string;
  warehouses: readonly ['EWR', 'RNO'];
}

export function runCatalog(tag: string): RunCatalog {
  const sku = (name: string) => `ADV-${tag}-${name}`;
  return {
    tag,
    skus: {
      mug: sku('MUG'),
      tee: sku('TEE'),
      east: sku('EAST'),
      west: sku('WEST'),
      scarce: sku('SCARCE'),
      big: sku('BIG'),
    },
    foreign: sku('FOREIGN'),
    customers: { standard: sku('STD'), critical: sku('VIP'), net30: sku('NET') },
    promotion: `ADV${tag}PCT`,
    warehouses: ['EWR', 'RNO'],
  };
}

const address = {
  name: 'Adversary Receiving',
  line1: '1 Hostile Way',
  city: 'Newark',
  region: 'NJ',
  postalCode: '07102',
  country: 'US',
};

/** Creates the run's catalog and its opening stock; fails the run (a driver error) when the system refuses. */
export async function createRunCatalog(api: OmsApiClient, catalog: RunCatalog, orders: number): Promise<void> {
  const { skus } = catalog;
  const product = (sku: string, unitPrice: number, extra: Record<string, unknown> = {}) => ({
    sku,
    name: `Adversary ${sku}`,
    unitPrice,
    currency: 'USD',
    taxCode: 'GENERAL',
    weightGrams: 300,
    ...extra,
  });
  const customer = (id: string, extra: Record<string, unknown>) => ({
    id,
    name: `Adversary ${id}`,
    email: `${id.toLowerCase()}@adversary.example`,
    currency: 'USD',
    approvalLimit: 200_000,
    address,
    ...extra,
  });
  const creations: [string, unknown][] = [
    ['/v1/products', product(skus.mug, 1250)],
    ['/v1/products', product(skus.tee, 2400, { taxCode: 'APPAREL' })],
    ['/v1/products', product(skus.east, 1800)],
    ['/v1/products', product(skus.west, 2100)],
    ['/v1/products', product(skus.scarce, 1999)],
    ['/v1/products', product(skus.big, 90_000, { maxOrderQuantity: 2 })],
    ['/v1/products', product(catalog.foreign, 500)],
    ['/v1/customers', customer(catalog.customers.standard, {})],
    ['/v1/customers', customer(catalog.customers.critical, { tier: 'critical', approvalLimit: 1_000_000 })],
    [
      '/v1/customers',
      customer(catalog.customers.net30, {
        tier: 'priority',
        paymentTerms: 'net30',
        approvalLimit: 500_000,
        creditLimit: 5_000_000,
      }),
    ],
    ['/v1/promotions', { code: catalog.promotion, type: 'percent', value: 10, usageLimit: 3 }],
  ];
  for (const [path, body] of creations) {
    const created = await api.send('POST', path, { as: 'admin', body });
    if (created.status !== 201)
      throw new Error(`POST ${path} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  const plenty = orders * 12 + 40;
  const stock: [warehouse: string, sku: string, quantity: number][] = [
    ['EWR', skus.mug, plenty],
    ['RNO', skus.mug, plenty],
    ['EWR', skus.tee, plenty],
    ['EWR', skus.east, plenty],
    ['RNO', skus.west, plenty],
    ['EWR', skus.scarce, 2],
    ['EWR', skus.big, orders * 3 + 6],
    ['RNO', skus.big, orders * 2 + 4],
  ];
  for (const [warehouse, sku, quantity] of stock) {
    const received = await api.send('POST', '/v1/inventory/receipts', {
      as: 'warehouse',
      body: { warehouse, sku, quantity, reference: `adversary-${catalog.tag}-opening` },
    });
    if (received.status !== 201)
      throw new Error(`receiving ${sku} in ${warehouse} answered ${received.status}: ${JSON.stringify(received.body)}`);
  }
}
