import type { Knex } from 'knex';
import { fromCustomer, fromProduct, fromWarehouse, type Customer, type Product, type Warehouse } from './catalog';
import { ensureStockRow, moveStock } from './stock';

/** A small, believable catalog to try the system with: two warehouses, a few products and customers. */
export const DEMO_WAREHOUSES: Warehouse[] = [
  { code: 'EWR', name: 'Newark DC', region: 'NJ', country: 'US', priority: 1, cutoffHour: 16, active: true },
  { code: 'RNO', name: 'Reno DC', region: 'NV', country: 'US', priority: 2, cutoffHour: 15, active: true },
];

export const DEMO_PRODUCTS: Product[] = [
  {
    sku: 'MUG-BLK',
    name: 'Stoneware mug, black',
    unitPrice: 1250,
    currency: 'USD',
    taxCode: 'GENERAL',
    weightGrams: 350,
    active: true,
    maxOrderQuantity: null,
  },
  {
    sku: 'TEE-M',
    name: 'Organic tee, medium',
    unitPrice: 2400,
    currency: 'USD',
    taxCode: 'APPAREL',
    weightGrams: 180,
    active: true,
    maxOrderQuantity: null,
  },
  {
    sku: 'BEANS-1KG',
    name: 'Coffee beans, 1 kg',
    unitPrice: 3200,
    currency: 'USD',
    taxCode: 'FOOD',
    weightGrams: 1000,
    active: true,
    maxOrderQuantity: null,
  },
  {
    sku: 'LAPTOP-14',
    name: 'Laptop 14"',
    unitPrice: 129900,
    currency: 'USD',
    taxCode: 'GENERAL',
    weightGrams: 1500,
    active: true,
    maxOrderQuantity: 5,
  },
];

export const DEMO_TAX_RATES = [
  { tax_code: 'GENERAL', country: 'US', region: '*', rate_bps: 500 },
  { tax_code: 'GENERAL', country: 'US', region: 'NY', rate_bps: 888 },
  { tax_code: 'GENERAL', country: 'US', region: 'CA', rate_bps: 725 },
  { tax_code: 'APPAREL', country: 'US', region: '*', rate_bps: 500 },
  { tax_code: 'APPAREL', country: 'US', region: 'NY', rate_bps: 0 },
  { tax_code: 'FOOD', country: 'US', region: '*', rate_bps: 0 },
  { tax_code: 'SHIPPING', country: 'US', region: 'NY', rate_bps: 888 },
];

/** SIMPOST's rate table: price by service, zone (1 same region, 2 same country, 3 abroad) and weight bracket. */
export const DEMO_SHIPPING_RATES = [
  ...[1, 2, 3].flatMap((zone) => [
    { service: 'ground', zone, max_weight_grams: 1_000, amount: 495 + (zone - 1) * 200, transit_days: zone * 2 },
    { service: 'ground', zone, max_weight_grams: 5_000, amount: 895 + (zone - 1) * 300, transit_days: zone * 2 },
    { service: 'ground', zone, max_weight_grams: 50_000, amount: 1995 + (zone - 1) * 500, transit_days: zone * 2 + 1 },
    { service: 'express', zone, max_weight_grams: 1_000, amount: 1495 + (zone - 1) * 300, transit_days: zone },
    { service: 'express', zone, max_weight_grams: 5_000, amount: 2495 + (zone - 1) * 500, transit_days: zone },
    { service: 'express', zone, max_weight_grams: 50_000, amount: 4995 + (zone - 1) * 1000, transit_days: zone + 1 },
    {
      service: 'freight',
      zone,
      max_weight_grams: 2_000_000,
      amount: 14_900 + (zone - 1) * 5_000,
      transit_days: zone * 2 + 3,
    },
  ]),
];

export const DEMO_PROMOTIONS = [
  { code: 'WELCOME10', type: 'percent', value: 10, min_order_amount: 2_000, usage_limit: 1_000 },
  { code: 'FIVEOFF', type: 'fixed', value: 500, min_order_amount: null, usage_limit: null },
];

const address = (name: string, line1: string, city: string, region: string, postalCode: string) => ({
  name,
  line1,
  city,
  region,
  postalCode,
  country: 'US',
});

export const DEMO_CUSTOMERS: Customer[] = [
  {
    id: 'CUST-ACME',
    name: 'Acme Corp',
    email: 'buyer@acme.example',
    active: true,
    tier: 'standard',
    currency: 'USD',
    approvalLimit: 500_000,
    creditLimit: 0,
    paymentTerms: 'prepaid',
    notifications: true,
    address: address('Acme Receiving', '1 Acme Way', 'Brooklyn', 'NY', '11201'),
  },
  {
    id: 'CUST-GLOBEX',
    name: 'Globex',
    email: 'ap@globex.example',
    active: true,
    tier: 'priority',
    currency: 'USD',
    approvalLimit: 2_000_000,
    creditLimit: 5_000_000,
    paymentTerms: 'net30',
    notifications: true,
    address: address('Globex Dock 4', '400 Market St', 'San Francisco', 'CA', '94105'),
  },
  {
    id: 'CUST-INITECH',
    name: 'Initech',
    email: 'ops@initech.example',
    active: true,
    tier: 'critical',
    currency: 'USD',
    approvalLimit: 10_000_000,
    creditLimit: 0,
    paymentTerms: 'prepaid',
    notifications: true,
    address: address('Initech', '9 Office Park', 'Austin', 'TX', '73301'),
  },
];

const DEMO_STOCK: [warehouse: string, sku: string, quantity: number][] = [
  ['EWR', 'MUG-BLK', 500],
  ['EWR', 'TEE-M', 300],
  ['EWR', 'BEANS-1KG', 200],
  ['EWR', 'LAPTOP-14', 20],
  ['RNO', 'MUG-BLK', 300],
  ['RNO', 'TEE-M', 200],
  ['RNO', 'LAPTOP-14', 10],
];

/** Idempotent: rows that exist are left alone and stock is received once per data directory. */
export async function seedDemo(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('warehouses').insert(DEMO_WAREHOUSES.map(fromWarehouse)).onConflict('code').ignore();
    await trx('products').insert(DEMO_PRODUCTS.map(fromProduct)).onConflict('sku').ignore();
    await trx('tax_rates').insert(DEMO_TAX_RATES).onConflict(['tax_code', 'country', 'region']).ignore();
    await trx('customers').insert(DEMO_CUSTOMERS.map(fromCustomer)).onConflict('id').ignore();
    await trx('shipping_rates')
      .insert(DEMO_SHIPPING_RATES)
      .onConflict(['service', 'zone', 'max_weight_grams'])
      .ignore();
    await trx('promotions').insert(DEMO_PROMOTIONS).onConflict('code').ignore();
    for (const [warehouse, sku, quantity] of DEMO_STOCK) {
      await ensureStockRow(trx, warehouse, sku);
      await moveStock(trx, {
        warehouse,
        sku,
        reason: 'receipt',
        onHandDelta: quantity,
        reservedDelta: 0,
        reference: 'demo seed',
        movementKey: `seed:${warehouse}:${sku}`,
      });
    }
  });
}
