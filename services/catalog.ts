import {
  fromCustomer,
  fromProduct,
  fromWarehouse,
  toCustomer,
  toProduct,
  toPromotion,
  toWarehouse,
  type Customer,
  type Product,
  type Warehouse,
} from '../db/catalog';
import type { Db } from '../db/connection';
import type { Promotion } from '../domain/pricing';
import { NotFoundError, StateConflictError } from './errors';
import { randomCode } from './ids';

const UNIQUE_VIOLATION = '23505';

/** A new product; without a per-order quota, none applies. */
export type NewProduct = Omit<Product, 'maxOrderQuantity'> & { maxOrderQuantity?: number | null };

/** A new customer; without an ID one is made up (`CUST-…`). */
export type NewCustomer = Omit<Customer, 'id'> & { id?: string };

/** A new promotion code; the bounds left out do not apply. */
export type NewPromotion = Pick<Promotion, 'code' | 'type' | 'value'> & {
  validFrom?: string;
  validTo?: string;
  minOrderAmount?: number;
  usageLimit?: number;
};

/** Changes to master data (SPEC section 4): products, warehouses, customers and promotion codes. */
export function createCatalog({ db }: { db: Db }) {
  /** A second one with the same key is a StateConflictError naming `what`. */
  async function insertOnce(table: string, row: Record<string, unknown>, what: string) {
    try {
      const [created] = await db(table).insert(row).returning('*');
      return created;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new StateConflictError(`${what} already exists`);
      throw error;
    }
  }

  return {
    async createProduct(product: NewProduct): Promise<Product> {
      return toProduct(await insertOnce('products', fromProduct(product), `product ${product.sku}`));
    },
    async updateProduct(sku: string, patch: Partial<Product>): Promise<Product> {
      const [row] = await db('products')
        .where({ sku })
        .update({ ...fromProduct(patch), updated_at: db.fn.now() })
        .returning('*');
      if (!row) throw new NotFoundError(`no product ${sku}`);
      return toProduct(row);
    },
    async createWarehouse(warehouse: Warehouse): Promise<Warehouse> {
      return toWarehouse(await insertOnce('warehouses', fromWarehouse(warehouse), `warehouse ${warehouse.code}`));
    },
    async createCustomer(customer: NewCustomer): Promise<Customer> {
      const id = customer.id ?? `CUST-${randomCode(10)}`;
      return toCustomer(await insertOnce('customers', fromCustomer({ ...customer, id }), `customer ${id}`));
    },
    async updateCustomer(id: string, patch: Partial<Customer>): Promise<Customer> {
      const [row] = await db('customers')
        .where({ id })
        .update({ ...fromCustomer(patch), updated_at: db.fn.now() })
        .returning('*');
      if (!row) throw new NotFoundError(`no customer ${id}`);
      return toCustomer(row);
    },
    async createPromotion(promotion: NewPromotion) {
      const row = await insertOnce(
        'promotions',
        {
          code: promotion.code,
          type: promotion.type,
          value: promotion.value,
          valid_from: promotion.validFrom ?? null,
          valid_to: promotion.validTo ?? null,
          min_order_amount: promotion.minOrderAmount ?? null,
          usage_limit: promotion.usageLimit ?? null,
        },
        `promotion ${promotion.code}`,
      );
      return toPromotion(row);
    },
  };
}
