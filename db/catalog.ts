import type { Knex } from 'knex';
import { preparedStatement, type Row } from './connection';
import type { Promotion, TaxRate } from '../domain/pricing';
import type { ShippingRate } from '../domain/shipping';
import type { Address, CustomerTier, PaymentTerms } from '../domain/order';

/** Master data (SPEC section 3) as the rest of the code sees it, mapped from its tables in one place. */
export interface Product {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  taxCode: string;
  weightGrams: number;
  active: boolean;
  maxOrderQuantity: number | null;
}

export interface Warehouse {
  code: string;
  name: string;
  region: string;
  country: string;
  priority: number;
  cutoffHour: number;
  active: boolean;
}

export interface Customer {
  id: string;
  name: string;
  email: string;
  active: boolean;
  tier: CustomerTier;
  currency: string;
  approvalLimit: number;
  creditLimit: number;
  paymentTerms: PaymentTerms;
  address: Address;
  /** Whether the customer gets order emails (SPEC section 6). */
  notifications: boolean;
}

export const toProduct = (row: Row): Product => ({
  sku: row.sku,
  name: row.name,
  unitPrice: row.unit_price,
  currency: row.currency,
  taxCode: row.tax_code,
  weightGrams: row.weight_grams,
  active: row.active,
  maxOrderQuantity: row.max_order_quantity,
});

export const fromProduct = (product: Partial<Product>): Row =>
  dropUndefined({
    sku: product.sku,
    name: product.name,
    unit_price: product.unitPrice,
    currency: product.currency,
    tax_code: product.taxCode,
    weight_grams: product.weightGrams,
    active: product.active,
    max_order_quantity: product.maxOrderQuantity,
  });

export const toWarehouse = (row: Row): Warehouse => ({
  code: row.code,
  name: row.name,
  region: row.region,
  country: row.country,
  priority: row.priority,
  cutoffHour: row.cutoff_hour,
  active: row.active,
});

export const fromWarehouse = (warehouse: Partial<Warehouse>): Row =>
  dropUndefined({
    code: warehouse.code,
    name: warehouse.name,
    region: warehouse.region,
    country: warehouse.country,
    priority: warehouse.priority,
    cutoff_hour: warehouse.cutoffHour,
    active: warehouse.active,
  });

export const toCustomer = (row: Row): Customer => ({
  id: row.id,
  name: row.name,
  email: row.email,
  active: row.active,
  tier: row.tier,
  currency: row.currency,
  approvalLimit: row.approval_limit,
  creditLimit: row.credit_limit,
  paymentTerms: row.payment_terms,
  address: row.address,
  notifications: row.notifications ?? true,
});

export const fromCustomer = (customer: Partial<Customer>): Row =>
  dropUndefined({
    id: customer.id,
    name: customer.name,
    email: customer.email,
    active: customer.active,
    tier: customer.tier,
    currency: customer.currency,
    approval_limit: customer.approvalLimit,
    credit_limit: customer.creditLimit,
    notifications: customer.notifications,
    payment_terms: customer.paymentTerms,
    address: customer.address ? JSON.stringify(customer.address) : undefined,
  });

/*
 * The lookups every order makes (the API on entry) are prepared statements. Rows come as JSON, so a column added by a
 * later migration does not change a prepared statement's result type (which PostgreSQL refuses until it is prepared
 * again).
 */
const CUSTOMER = preparedStatement<{ row: Row }>(
  'find-customer',
  `SELECT row_to_json(c) AS row FROM customers c WHERE c.id = :id`,
);
const PRODUCTS = preparedStatement<{ row: Row }>(
  'find-products',
  `SELECT row_to_json(p) AS row FROM products p WHERE p.sku IN (SELECT jsonb_array_elements_text(CAST(:skus AS jsonb)))`,
);
const CUSTOMERS = preparedStatement<{ row: Row }>(
  'find-customers',
  `SELECT row_to_json(c) AS row FROM customers c WHERE c.id IN (SELECT jsonb_array_elements_text(CAST(:ids AS jsonb)))`,
);
const PROMOTIONS = preparedStatement<{ row: Row }>(
  'find-promotions',
  `SELECT row_to_json(p) AS row FROM promotions p WHERE p.code IN (SELECT jsonb_array_elements_text(CAST(:codes AS jsonb)))`,
);

export async function findCustomer(db: Knex, id: string): Promise<Customer | undefined> {
  const [found] = await CUSTOMER.run(db, { id });
  return found ? toCustomer(found.row) : undefined;
}

/** Customers by ID (those that exist), in one round trip: the customers of a batch of orders. */
export async function findCustomers(db: Knex, ids: readonly string[]): Promise<Map<string, Customer>> {
  const rows = await CUSTOMERS.run(db, { ids: JSON.stringify(ids) });
  return new Map(rows.map(({ row }) => [row.id as string, toCustomer(row)]));
}

export async function findProducts(db: Knex, skus: readonly string[]): Promise<Map<string, Product>> {
  const rows = await PRODUCTS.run(db, { skus: JSON.stringify(skus) });
  return new Map(rows.map(({ row }) => [row.sku as string, toProduct(row)]));
}

/** The active warehouses as a JSON array of rows (for `toWarehouse`), for statements that read them with other rows. */
export const ACTIVE_WAREHOUSES_JSON = `(SELECT coalesce(json_agg(w ORDER BY w.code), '[]') FROM warehouses w WHERE w.active)`;

export const toTaxRate = (row: Row): TaxRate => ({
  taxCode: row.tax_code,
  country: row.country,
  region: row.region,
  rateBps: row.rate_bps,
});

export const toShippingRate = (row: Row): ShippingRate => ({
  service: row.service,
  zone: row.zone,
  maxWeightGrams: row.max_weight_grams,
  amount: row.amount,
  transitDays: row.transit_days,
});

export const toPromotion = (row: Row): Promotion & { timesUsed: number } => ({
  code: row.code,
  type: row.type,
  value: row.value,
  validFrom: row.valid_from ? new Date(row.valid_from).toISOString() : null,
  validTo: row.valid_to ? new Date(row.valid_to).toISOString() : null,
  minOrderAmount: row.min_order_amount,
  usageLimit: row.usage_limit,
  timesUsed: row.times_used,
});

/** Promotions by code (those that exist), in one round trip. */
export async function findPromotions(
  db: Knex,
  codes: readonly string[],
): Promise<Map<string, ReturnType<typeof toPromotion>>> {
  if (codes.length === 0) return new Map();
  const rows = await PROMOTIONS.run(db, { codes: JSON.stringify(codes) });
  return new Map(rows.map(({ row }) => [row.code as string, toPromotion(row)]));
}

/** Open receivables of a customer: net30 invoices less what has been paid on them. */
export async function outstandingReceivables(db: Knex, customerId: string): Promise<number> {
  const row = await db('invoices as i')
    .join('orders as o', 'o.id', 'i.order_id')
    .where({ 'o.customer_id': customerId, 'o.payment_method': 'invoice', 'i.kind': 'invoice' })
    .sum({ open: db.raw('i.total - i.amount_paid - i.amount_credited') })
    .first();
  return Number(row?.open ?? 0);
}

/**
 * What a customer's open net30 orders (not terminal, priced, other than `exceptOrderId`) will still invoice: per line,
 * its priced total prorated over the units neither shipped (those are invoiced) nor cancelled (approval cuts
 * included; an order awaiting approval counts in full), plus shipping while nothing of the order is invoiced.
 */
export async function openOrdersNotInvoiced(db: Knex, customerId: string, exceptOrderId: string): Promise<number> {
  const { rows } = await db.raw(
    `SELECT CAST(coalesce(sum(
       (SELECT coalesce(sum(round(l.total * greatest(l.quantity - l.cancelled_quantity - l.shipped_quantity, 0)
          / CAST(l.quantity AS numeric))), 0)
        FROM order_lines l WHERE l.order_id = o.id AND l.total IS NOT NULL)
       + CASE WHEN EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice') THEN 0
         ELSE coalesce(o.shipping, 0) + coalesce(o.shipping_tax, 0) END), 0) AS bigint) AS open
     FROM orders o
     WHERE o.customer_id = :customerId AND o.payment_method = 'invoice' AND o.total IS NOT NULL
       AND o.status NOT IN ('COMPLETED', 'REJECTED', 'CANCELLED') AND o.id <> :exceptOrderId`,
    { customerId, exceptOrderId },
  );
  return Number(rows[0]?.open ?? 0);
}

function dropUndefined(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}
