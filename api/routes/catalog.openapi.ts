import { z } from 'zod';
import type { ApiDocRegistry } from '../openapi-registry';
import { customerView, itemsOf, productView, promotionView, warehouseView } from '../response-schemas';
import {
  customerPatchSchema,
  customerSchema,
  productPatchSchema,
  productSchema,
  promotionSchema,
  warehouseSchema,
} from '../schemas';

/** OpenAPI entries of `catalog.ts` (mounted at /v1). */
export function catalogDocs(doc: ApiDocRegistry): void {
  const tag = 'Master data';
  const sku = z.object({ sku: z.string().min(1).openapi({ example: 'MUG-BLK' }) });
  const customerId = z.object({ id: z.string().min(1).openapi({ example: 'CUST-ACME' }) });

  doc.operation({
    method: 'post',
    operationId: 'createProduct',
    path: '/v1/products',
    tag,
    summary: 'Create a product',
    access: ['admin'],
    body: { schema: doc.registry.register('NewProduct', productSchema) },
    responses: {
      201: {
        description: 'Created',
        schema: productView,
        links: { getProduct: { sku: '$response.body#/sku' }, updateProduct: { sku: '$response.body#/sku' } },
      },
    },
    errors: { 409: 'A product with this SKU already exists' },
  });
  doc.operation({
    method: 'get',
    operationId: 'listProducts',
    path: '/v1/products',
    tag,
    summary: 'List products',
    access: 'any',
    responses: { 200: { description: 'Every product, by SKU', schema: itemsOf(productView) } },
  });
  doc.operation({
    method: 'get',
    operationId: 'getProduct',
    path: '/v1/products/{sku}',
    tag,
    summary: 'Get a product',
    access: 'any',
    params: sku,
    responses: { 200: { description: 'The product', schema: productView } },
    errors: { 404: 'No such product' },
  });
  doc.operation({
    method: 'patch',
    operationId: 'updateProduct',
    path: '/v1/products/{sku}',
    tag,
    summary: 'Change a product',
    description: 'Changes only the fields it names.',
    access: ['admin'],
    params: sku,
    body: { schema: doc.registry.register('ProductPatch', productPatchSchema) },
    responses: { 200: { description: 'The changed product', schema: productView } },
    errors: { 404: 'No such product' },
  });

  doc.operation({
    method: 'post',
    operationId: 'createWarehouse',
    path: '/v1/warehouses',
    tag,
    summary: 'Create a warehouse',
    access: ['admin'],
    body: { schema: doc.registry.register('NewWarehouse', warehouseSchema) },
    responses: { 201: { description: 'Created', schema: warehouseView } },
    errors: { 409: 'A warehouse with this code already exists' },
  });
  doc.operation({
    method: 'get',
    operationId: 'listWarehouses',
    path: '/v1/warehouses',
    tag,
    summary: 'List warehouses',
    access: 'any',
    responses: { 200: { description: 'Every warehouse, by priority then code', schema: itemsOf(warehouseView) } },
  });

  doc.operation({
    method: 'post',
    operationId: 'createCustomer',
    path: '/v1/customers',
    tag,
    summary: 'Create a customer',
    description: 'Without an `id`, one is generated (`CUST-…`).',
    access: ['admin'],
    body: { schema: doc.registry.register('NewCustomer', customerSchema) },
    responses: {
      201: {
        description: 'Created',
        schema: customerView,
        links: { getCustomer: { id: '$response.body#/id' }, updateCustomer: { id: '$response.body#/id' } },
      },
    },
    errors: { 409: 'A customer with this ID already exists' },
  });
  doc.operation({
    method: 'get',
    operationId: 'listCustomers',
    path: '/v1/customers',
    tag,
    summary: 'List customers',
    access: 'any',
    responses: { 200: { description: 'Every customer, by ID', schema: itemsOf(customerView) } },
  });
  doc.operation({
    method: 'get',
    operationId: 'getCustomer',
    path: '/v1/customers/{id}',
    tag,
    summary: 'Get a customer',
    access: 'any',
    params: customerId,
    responses: { 200: { description: 'The customer', schema: customerView } },
    errors: { 404: 'No such customer' },
  });
  doc.operation({
    method: 'patch',
    operationId: 'updateCustomer',
    path: '/v1/customers/{id}',
    tag,
    summary: 'Change a customer',
    description: 'Changes only the fields it names.',
    access: ['admin'],
    params: customerId,
    body: { schema: doc.registry.register('CustomerPatch', customerPatchSchema) },
    responses: { 200: { description: 'The changed customer', schema: customerView } },
    errors: { 404: 'No such customer' },
  });

  doc.operation({
    method: 'post',
    operationId: 'createPromotion',
    path: '/v1/promotions',
    tag: 'Promotions',
    summary: 'Create a promotion code',
    access: ['admin'],
    description:
      '`percent`: whole percent per line (at most 100); `fixed`: minor units shared over the lines. `validTo` must be after `validFrom`.',
    body: { schema: doc.registry.register('NewPromotion', promotionSchema) },
    responses: { 201: { description: 'Created', schema: promotionView } },
    errors: { 409: 'A promotion with this code already exists' },
  });
  doc.operation({
    method: 'get',
    operationId: 'listPromotions',
    path: '/v1/promotions',
    tag: 'Promotions',
    summary: 'List promotion codes',
    access: ['admin'],
    responses: { 200: { description: 'Every promotion, by code', schema: itemsOf(promotionView) } },
  });
}
