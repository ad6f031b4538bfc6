import { z } from 'zod';
import { CSV_COLUMNS } from '../batch-csv';
import type { ApiDocRegistry } from '../openapi-registry';
import {
  batchResultView,
  duplicateOrderProblemSchema,
  editReplyView,
  orderDetailView,
  orderHistoryView,
  orderSummaryView,
  pageOf,
  placedOrderView,
  refundReplyView,
  returnOpenedView,
  statusReplySchema,
} from '../response-schemas';
import {
  approveSchema,
  batchOrdersSchema,
  cancelSchema,
  editOrderSchema,
  holdSchema,
  emptySchema,
  idempotencyKeySchema,
  listOrdersQuerySchema,
  placeOrderSchema,
  refundSchema,
  rejectSchema,
  returnSchema,
} from '../schemas';

/** OpenAPI entries of `orders.ts` (mounted at /v1/orders). */
export function orderDocs(doc: ApiDocRegistry): void {
  const tag = 'Orders';
  const id = z.object({ id: z.string().min(1).openapi({ example: 'ORD-0123456789AB' }) });
  const placeOrder = doc.registry.register(
    'PlaceOrder',
    placeOrderSchema.openapi({
      example: {
        customerId: 'CUST-ACME',
        lines: [{ sku: 'MUG-BLK', quantity: 2 }],
        payment: { method: 'card', token: 'tok_ok' },
        channel: 'shopify',
        externalId: '#1001',
        metadata: { cartId: 'c-9912' },
      },
    }),
  );
  const idempotencyKey = (what: string) =>
    z.object({ 'Idempotency-Key': idempotencyKeySchema.optional().openapi({ description: what }) });
  // Links: where an order ID comes from, the operations that act on it (Swagger UI shows them; the fuzzer follows them).
  const orderLinks = (id: string) =>
    Object.fromEntries(
      [
        'getOrder',
        'getOrderHistory',
        'editOrder',
        'approveOrder',
        'rejectOrder',
        'cancelOrder',
        'resumeBackorder',
        'holdOrder',
        'releaseOrder',
        'refundOrder',
        'openReturn',
      ].map((operationId) => [operationId, { id }]),
    );
  const updateErrors = {
    404: 'No such order',
    409: "The order's state does not allow this (or its workflow has finished)",
    422: 'The request breaks an entry rule (e.g. a SKU the order does not have, or listed twice), or the Idempotency-Key was used with another body',
    503: 'The order is recovering from a worker failure; retry with the same Idempotency-Key',
  };
  // Every change to a running order takes the same optional key, scoped per API key and per action.
  const changeKey = idempotencyKey(
    'a retry with the same key and body (after a lost answer or a 503) is applied once and answers as the first request did; the same key with another body (or for another order) 422. Scoped per API key and per action',
  );

  doc.operation({
    method: 'post',
    operationId: 'placeOrder',
    path: '/v1/orders',
    tag,
    summary: 'Place an order',
    access: ['sales'],
    description:
      'Accepts the order and starts its workflow (workflow ID = order ID) right after the answer; an order accepted while Temporal is unreachable is started when it is back. Unknown or inactive customer, products or promotion: 422 with every reason. An `externalId` already used in the `channel` (default `api`): 409 naming the order that has it (`existingOrderId`), also when two such requests race; the same Idempotency-Key and body again is a replay of its own order, not a 409.',
    headers: idempotencyKey(
      'a retry with the same key and body answers 202 with the same order (`Idempotent-Replayed: true`); with another body 422',
    ),
    body: { schema: placeOrder },
    responses: {
      202: {
        description: 'Accepted: the order is kept and its workflow starts',
        schema: placedOrderView,
        links: {
          ...orderLinks('$response.body#/id'),
          trackOrder: { trackingNumber: '$response.body#/trackingNumber' },
        },
        headers: z.object({
          Location: z.string().openapi({ description: '/v1/orders/{id}' }),
          'Idempotent-Replayed': z
            .literal('true')
            .optional()
            .openapi({ description: 'present when the key was seen before' }),
        }),
      },
    },
    errors: {
      409: {
        description:
          'The externalId is already used in this channel: nothing was kept; `existingOrderId` names the order',
        schema: duplicateOrderProblemSchema,
      },
      422: 'Unknown or inactive references, an entry rule broken, or the Idempotency-Key reused with another body',
      503: 'The database is unavailable; nothing was kept, retry (with the same Idempotency-Key)',
    },
  });
  doc.operation({
    method: 'post',
    operationId: 'placeOrders',
    path: '/v1/orders/batch',
    tag,
    summary: 'Place many orders',
    access: ['sales'],
    description: `JSON \`{orders:[…]}\` (each as for POST /v1/orders) or \`text/csv\` with the columns ${CSV_COLUMNS.join(', ')} (\`lines\` as \`SKU:QTY;SKU:QTY\`; \`metadata\` is JSON only). One result per row; a bad row writes nothing and never stops the good ones. A row whose externalId is already used in its channel, by an earlier order or an earlier row of the batch, gets an error and \`existingOrderId\`. With an Idempotency-Key, row i uses \`<key>:<i>\`. The body may be up to 5 MB (1 MB elsewhere).`,
    headers: idempotencyKey('row i is placed with `<key>:<i>`, so a retried batch places nothing twice'),
    body: {
      schema: doc.registry.register('BatchOrders', batchOrdersSchema),
      csv: z
        .string()
        .openapi({ example: 'customerId,lines,paymentMethod,paymentToken\nCUST-ACME,MUG-BLK:2;TEE-M:1,card,tok_ok\n' }),
    },
    responses: { 200: { description: 'One result per row, in order', schema: batchResultView } },
    errors: {
      429: 'Too many batches at once on this server (2 placed, 8 waiting): nothing was read or kept; send it again after `Retry-After` seconds',
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'listOrders',
    path: '/v1/orders',
    tag,
    summary: 'List orders',
    access: 'any',
    query: listOrdersQuerySchema,
    description:
      'Newest first with cursor paging; filtered by a waiting status (AWAITING_APPROVAL, BACKORDERED) it is the work queue: highest priority first, then oldest first. Filters combine (all must match); `q` matches a whole order ID or tracking number, the start of an external ID, or part of a customer name, ignoring case. `createdFrom` and `createdTo` are ISO 8601 date-times with an offset, both ends included; createdTo before createdFrom is a 400.',
    responses: {
      200: {
        description: 'A page of orders',
        schema: pageOf(orderSummaryView),
        links: orderLinks('$response.body#/items/0/id'),
      },
    },
  });
  doc.operation({
    method: 'get',
    operationId: 'getOrder',
    path: '/v1/orders/{id}',
    tag,
    summary: 'Get an order',
    access: 'any',
    params: id,
    responses: {
      200: {
        description: 'Full detail: lines, shipments, payments, invoices, returns, timeline',
        schema: orderDetailView,
        links: {
          getReturn: { id: '$response.body#/returns/0/id' },
          getShipment: { id: '$response.body#/shipments/0/id' },
          recordCarrierEvent: { id: '$response.body#/shipments/0/id' },
          getInvoice: { number: '$response.body#/invoices/0/number' },
          recordInvoicePayment: { number: '$response.body#/invoices/0/number' },
          trackOrder: { trackingNumber: '$response.body#/trackingNumber' },
        },
      },
    },
    errors: { 404: 'No such order' },
  });
  doc.operation({
    method: 'patch',
    operationId: 'editOrder',
    path: '/v1/orders/{id}',
    tag,
    summary: 'Edit an order before picking',
    access: ['sales', 'support'],
    params: id,
    headers: changeKey,
    description:
      'Changes the fields given: `shippingAddress`, `lines` (the whole new set, checked as on placing: each SKU once, existing and active, 422 listing every reason) and `expedite` (the priority follows). The order is priced again, goes (back) to approval when it now needs it or leaves the queue, re-authorizes the card when the total grows, and is allocated again (what it had reserved is released first). 409 once any shipment is picking, once shipped or finished, while on hold, and for orders placed before edits existed.',
    body: {
      schema: doc.registry.register(
        'OrderEdit',
        editOrderSchema.openapi({ example: { lines: [{ sku: 'MUG-BLK', quantity: 3 }], expedite: true } }),
      ),
    },
    responses: {
      200: { description: 'The status once the edit took effect, and the new totals', schema: editReplyView },
    },
    errors: updateErrors,
  });
  doc.operation({
    method: 'get',
    operationId: 'getOrderHistory',
    path: '/v1/orders/{id}/history',
    tag,
    summary: "An order's timeline and its workflow in the Temporal UI",
    access: 'any',
    params: id,
    responses: { 200: { description: 'The timeline', schema: orderHistoryView } },
    errors: { 404: 'No such order' },
  });
  doc.operation({
    method: 'post',
    operationId: 'approveOrder',
    path: '/v1/orders/{id}/approve',
    tag,
    summary: 'Approve an order awaiting approval',
    access: ['approver'],
    params: id,
    headers: changeKey,
    description: 'Optionally with lower quantities per SKU (the rest is cancelled).',
    body: { schema: doc.registry.register('Approval', approveSchema), required: false },
    responses: { 200: { description: 'The new status', schema: statusReplySchema } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'rejectOrder',
    path: '/v1/orders/{id}/reject',
    tag,
    summary: 'Reject an order awaiting approval',
    access: ['approver'],
    params: id,
    headers: changeKey,
    body: { schema: doc.registry.register('Rejection', rejectSchema) },
    responses: { 200: { description: 'The new status', schema: statusReplySchema } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'cancelOrder',
    path: '/v1/orders/{id}/cancel',
    tag,
    summary: 'Cancel an order',
    access: ['support'],
    params: id,
    headers: changeKey,
    description: 'Accepted while anything is left to ship; 409 once nothing is (use returns).',
    body: { schema: doc.registry.register('Cancellation', cancelSchema) },
    responses: { 200: { description: 'The new status', schema: statusReplySchema } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'resumeBackorder',
    path: '/v1/orders/{id}/resume-backorder',
    tag,
    summary: 'Retry allocation of a backordered order now',
    access: ['support'],
    params: id,
    headers: changeKey,
    body: { schema: emptySchema, required: false },
    responses: { 200: { description: 'The new status', schema: statusReplySchema } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'holdOrder',
    path: '/v1/orders/{id}/hold',
    tag,
    summary: 'Hold an order before it ships',
    access: ['support'],
    params: id,
    headers: changeKey,
    description:
      'The order stops before its next step, or at once while it waits (approval, stock, a pick), and shows `ON_HOLD` with `holdReason` and `heldFrom`. 409 once nothing is left to ship, when it is already held, or when it shipped before the hold took effect. Not released within OMS_HOLD_TIMEOUT, it is cancelled (`hold_expired`).',
    body: { schema: doc.registry.register('Hold', holdSchema) },
    responses: {
      200: {
        description: 'On hold',
        schema: statusReplySchema.extend({ holdReason: z.string() }).openapi('HoldReply'),
      },
    },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'releaseOrder',
    path: '/v1/orders/{id}/release',
    tag,
    summary: 'Release a held order',
    access: ['support'],
    params: id,
    headers: changeKey,
    description:
      'It goes on where it stopped; a step that had failed for good is tried again. 409 when the order is not on hold.',
    body: { schema: emptySchema, required: false },
    responses: { 200: { description: 'The status it went back to', schema: statusReplySchema } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'refundOrder',
    path: '/v1/orders/{id}/refunds',
    tag,
    summary: 'Refund an amount or shipped units',
    access: ['support'],
    params: id,
    description:
      'Give either `amount` (positive) or `lines` (each a SKU of the order, once: 422 otherwise). Never more than was charged and not refunded (409). The money goes back through the payment provider, then a credit note is issued; a provider refusal answers 409 and leaves nothing refunded or credited.',
    headers: idempotencyKey(
      'a retry with the same key and body answers 201 with the first refund (`refundId` `<orderId>/refund-<API key id>:<key>`), also after the order has completed; it never refunds twice. The same key with another body 422. Scoped per API key',
    ),
    body: { schema: doc.registry.register('Refund', refundSchema) },
    responses: { 201: { description: 'Refunded', schema: refundReplyView } },
    errors: updateErrors,
  });
  doc.operation({
    method: 'post',
    operationId: 'openReturn',
    path: '/v1/orders/{id}/returns',
    tag: 'Returns',
    summary: 'Open a return (RMA)',
    access: ['support'],
    params: id,
    headers: changeKey,
    description:
      'Within the return window after delivery, for shipped units not already on a return; each line a SKU of the order, once (422 otherwise). The RMA ID holds a slash: URL-encode it.',
    body: { schema: doc.registry.register('ReturnRequest', returnSchema) },
    responses: {
      201: {
        description: 'Opened',
        schema: returnOpenedView,
        headers: z.object({ Location: z.string().openapi({ description: '/v1/returns/{id}' }) }),
        links: { getReturn: { id: '$response.body#/id' }, receiveReturn: { id: '$response.body#/id' } },
      },
    },
    errors: updateErrors,
  });
}
