import { Router } from 'express';
import { toCustomer, toProduct, toPromotion, toWarehouse } from '../../db/catalog';
import type { ApiDeps } from '../deps';
import { notFound, parse } from '../problem';
import {
  customerPatchSchema,
  customerSchema,
  productPatchSchema,
  productSchema,
  promotionSchema,
  warehouseSchema,
} from '../schemas';

/** Master data (SPEC section 4): products, warehouses and customers. Reading needs any key, writing admin. */
export function catalogRoutes({ db, auth, services }: ApiDeps): Router {
  const router = Router();

  router.post('/products', auth.requireRole('admin'), async (req, res) => {
    const product = parse(productSchema, req.body);
    res.status(201).json(await services.createProduct(product));
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
    res.json(await services.updateProduct(String(req.params.sku), patch));
  });

  router.post('/warehouses', auth.requireRole('admin'), async (req, res) => {
    const warehouse = parse(warehouseSchema, req.body);
    res.status(201).json(await services.createWarehouse(warehouse));
  });
  router.get('/warehouses', auth.anyRole, async (_req, res) => {
    res.json({
      items: (await db('warehouses').orderBy([{ column: 'priority' }, { column: 'code' }])).map(toWarehouse),
    });
  });

  router.post('/customers', auth.requireRole('admin'), async (req, res) => {
    const customer = parse(customerSchema, req.body);
    res.status(201).json(await services.createCustomer(customer));
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
    res.json(await services.updateCustomer(String(req.params.id), patch));
  });

  router.post('/promotions', auth.requireRole('admin'), async (req, res) => {
    const promotion = parse(promotionSchema, req.body);
    res.status(201).json(await services.createPromotion(promotion));
  });
  router.get('/promotions', auth.requireRole('admin'), async (_req, res) => {
    res.json({ items: (await db('promotions').orderBy('code')).map(toPromotion) });
  });

  return router;
}
