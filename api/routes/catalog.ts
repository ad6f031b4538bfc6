import { Router } from 'express';
import {
  fromCustomer,
  fromProduct,
  fromWarehouse,
  toCustomer,
  toProduct,
  toPromotion,
  toWarehouse,
} from '../../db/catalog';
import type { ApiDeps } from '../app';
import { conflict, notFound, parse } from '../problem';
import { randomCode } from '../place-order';
import {
  customerPatchSchema,
  customerSchema,
  productPatchSchema,
  productSchema,
  promotionSchema,
  warehouseSchema,
} from '../schemas';

const UNIQUE_VIOLATION = '23505';

/** Master data (SPEC section 4): products, warehouses and customers. Reading needs any key, writing admin. */
export function catalogRoutes({ db, auth }: ApiDeps): Router {
  const router = Router();

  async function insertOnce(table: string, row: Record<string, unknown>, what: string) {
    try {
      const [created] = await db(table).insert(row).returning('*');
      return created;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw conflict(`${what} already exists`);
      throw error;
    }
  }

  router.post('/products', auth.requireRole('admin'), async (req, res) => {
    const product = parse(productSchema, req.body);
    res.status(201).json(toProduct(await insertOnce('products', fromProduct(product), `product ${product.sku}`)));
  });
  router.get('/products', auth.anyRole, async (_req, res) => {
    res.json({ items: (await db('products').orderBy('sku')).map(toProduct) });
  });
  router.get('/products/:sku', auth.anyRole, async (req, res) => {
    const row = await db('products').where({ sku: req.params.sku }).first();
    if (!row) throw notFound(`no product ${req.params.sku}`);
    res.json(toProduct(row));
  });
  router.patch('/products/:sku', auth.requireRole('admin'), async (req, res) => {
    const patch = parse(productPatchSchema, req.body);
    const [row] = await db('products')
      .where({ sku: req.params.sku })
      .update({ ...fromProduct(patch), updated_at: db.fn.now() })
      .returning('*');
    if (!row) throw notFound(`no product ${req.params.sku}`);
    res.json(toProduct(row));
  });

  router.post('/warehouses', auth.requireRole('admin'), async (req, res) => {
    const warehouse = parse(warehouseSchema, req.body);
    res
      .status(201)
      .json(toWarehouse(await insertOnce('warehouses', fromWarehouse(warehouse), `warehouse ${warehouse.code}`)));
  });
  router.get('/warehouses', auth.anyRole, async (_req, res) => {
    res.json({
      items: (await db('warehouses').orderBy([{ column: 'priority' }, { column: 'code' }])).map(toWarehouse),
    });
  });

  router.post('/customers', auth.requireRole('admin'), async (req, res) => {
    const customer = parse(customerSchema, req.body);
    const id = customer.id ?? `CUST-${randomCode(10)}`;
    res
      .status(201)
      .json(toCustomer(await insertOnce('customers', fromCustomer({ ...customer, id }), `customer ${id}`)));
  });
  router.get('/customers', auth.anyRole, async (_req, res) => {
    res.json({ items: (await db('customers').orderBy('id')).map(toCustomer) });
  });
  router.get('/customers/:id', auth.anyRole, async (req, res) => {
    const row = await db('customers').where({ id: req.params.id }).first();
    if (!row) throw notFound(`no customer ${req.params.id}`);
    res.json(toCustomer(row));
  });
  router.patch('/customers/:id', auth.requireRole('admin'), async (req, res) => {
    const patch = parse(customerPatchSchema, req.body);
    const [row] = await db('customers')
      .where({ id: req.params.id })
      .update({ ...fromCustomer(patch), updated_at: db.fn.now() })
      .returning('*');
    if (!row) throw notFound(`no customer ${req.params.id}`);
    res.json(toCustomer(row));
  });

  router.post('/promotions', auth.requireRole('admin'), async (req, res) => {
    const promotion = parse(promotionSchema, req.body);
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
    res.status(201).json(toPromotion(row));
  });
  router.get('/promotions', auth.requireRole('admin'), async (_req, res) => {
    res.json({ items: (await db('promotions').orderBy('code')).map(toPromotion) });
  });

  return router;
}
