import { missingAddressFields } from '../domain/address';
import { formatMoney } from '../domain/money';
import type { Address, BackorderPolicy, OrderSettings, PaymentMethod } from '../domain/order';
import { orderPriority, type OrderSource } from '../domain/priority';
import { findCustomers, findProducts, findPromotions, type Customer, type Product } from '../db/catalog';
import type { Db } from '../db/connection';
import {
  findOrderIdByExternalId,
  findOrderSummary,
  insertOrder,
  isDuplicateExternalId,
  type OrderWrite,
} from '../db/orders';
import { catalogValue, orderValueProblem, type Promotion } from '../domain/pricing';
import type { OrderWorkflowInput } from '../workflows/order/messages';
import { DuplicateExternalIdError, RuleViolationError, type FieldError } from './errors';
import { newOrderId, newTrackingNumber } from './ids';
import { findIdempotencyKey, idempotencyKeyRow, requestHashOf } from './idempotency-keys';
import { orderStartRow, type OrderStart, type OrderStarts } from './order-starts';

/** An order as the API accepted it (`placeOrderSchema` in api/schemas.ts checks its shape first). */
export interface PlaceOrderRequest {
  customerId: string;
  lines: { sku: string; quantity: number }[];
  shippingAddress?: Address;
  expedite: boolean;
  promotionCode?: string;
  backorderPolicy: BackorderPolicy;
  payment: { method: PaymentMethod; token?: string };
  /** Where the order came from (`api` unless the caller says). */
  channel: string;
  /** The order's ID in its channel: unique there. */
  externalId?: string;
  metadata?: Record<string, string>;
}

export interface OrderPlacementDeps {
  db: Db;
  orderStarts: OrderStarts;
  orderSettings: OrderSettings;
}

export interface PlacementOptions {
  idempotencyKey?: string;
  /** Whose keys `idempotencyKey` is one of (e.g. `orders:<API key id>`). */
  scope: string;
  source?: OrderSource;
}

export interface PlacedOrder {
  id: string;
  trackingNumber: string;
  status: string;
  /** True when an earlier request with the same Idempotency-Key already placed this order. */
  replayed: boolean;
}

export function createOrderPlacement(deps: OrderPlacementDeps) {
  return { placeOrder: (request: PlaceOrderRequest, options: PlacementOptions) => placeOrder(deps, request, options) };
}

/**
 * Entry of one order: every check that can be made now (a RuleViolationError listing each reason), then the order
 * row, its idempotency key and its workflow's start request in one statement; the workflow (ID = order ID) is
 * started right after, outside the request (services/order-starts.ts). Nothing is written when a check fails.
 */
async function placeOrder(
  deps: OrderPlacementDeps,
  request: PlaceOrderRequest,
  options: PlacementOptions,
): Promise<PlacedOrder> {
  const requestHash = requestHashFor(request);
  // A replay first: the same key and body answer with the order they made, whose external ID is of course taken.
  if (options.idempotencyKey) {
    const replay = await findReplay(deps, options.scope, options.idempotencyKey, requestHash);
    if (replay) return replay;
  }

  // A taken external ID is checked beside the references (no added wait), and answered first: the caller learns the
  // order it already has. The unique index decides when two requests race (see the catch below).
  const [existingOrderId, references] = await Promise.all([
    request.externalId ? findOrderIdByExternalId(deps.db, request.channel, request.externalId) : undefined,
    findEntryReferences(deps.db, [request]),
  ]);
  const customer = checkEntry(request, references, existingOrderId);
  const order = newOrder(deps, request, customer, references.products, { ...options, requestHash });
  try {
    await insertOrder(deps.db, order.write.order, order.write.companions);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      // A concurrent request with the same key won the race: answer as it did (its order has this external ID too).
      if (options.idempotencyKey) {
        const replay = await findReplay(deps, options.scope, options.idempotencyKey, requestHash);
        if (replay) return replay;
      }
      // Another order took the external ID since the check above: the unique index refused this one, nothing written.
      if (isDuplicateExternalId(error) && request.externalId)
        await refuseTakenExternalId(deps.db, request.channel, request.externalId);
    }
    throw error;
  }
  deps.orderStarts.startSoon(order.start);
  return { id: order.id, trackingNumber: order.trackingNumber, status: 'PENDING', replayed: false };
}

/** An order ready to be written: its ID and tracking number, its rows, and its workflow's start. */
export interface NewOrderWrite {
  id: string;
  trackingNumber: string;
  write: OrderWrite;
  start: OrderStart;
}

/**
 * A checked request as the order to write: its IDs, priority and workflow input, with its start request and (with an
 * Idempotency-Key) the key as companion rows, so the three are written together.
 */
export function newOrder(
  deps: Pick<OrderPlacementDeps, 'orderSettings'>,
  request: PlaceOrderRequest,
  customer: Customer,
  products: ReadonlyMap<string, Product>,
  options: PlacementOptions & { requestHash: string },
): NewOrderWrite {
  const input: OrderWorkflowInput = {
    orderId: newOrderId(),
    customerId: customer.id,
    priority: orderPriority({ tier: customer.tier, expedite: request.expedite, source: options.source }),
    shippingAddress: request.shippingAddress ?? customer.address,
    payment: request.payment,
    backorderPolicy: request.backorderPolicy,
    settings: deps.orderSettings,
  };
  const trackingNumber = newTrackingNumber();
  const start = orderStartFor(input, request, products);
  const idempotencyKey =
    options.idempotencyKey &&
    idempotencyKeyRow(options.scope, options.idempotencyKey, options.requestHash, input.orderId);
  return {
    id: input.orderId,
    trackingNumber,
    start,
    write: {
      order: {
        id: input.orderId,
        trackingNumber,
        customerId: customer.id,
        priority: input.priority,
        source: options.source ?? 'api',
        currency: customer.currency,
        shippingAddress: input.shippingAddress,
        paymentMethod: request.payment.method,
        backorderPolicy: request.backorderPolicy,
        expedite: request.expedite,
        promotionCode: request.promotionCode,
        lines: request.lines,
        channel: request.channel,
        externalId: request.externalId,
        metadata: request.metadata,
      },
      companions: [orderStartRow(start), ...(idempotencyKey ? [idempotencyKey] : [])],
    },
  };
}

/** A request's fingerprint, stored with its Idempotency-Key. */
export const requestHashFor = (request: PlaceOrderRequest) => requestHashOf(fingerprintOf(request));

/**
 * What an Idempotency-Key's fingerprint is made of: the request as parsed, without `channel` when it is the default,
 * so a key stored before orders had channels still matches its retry (say, one sent across a rolling upgrade).
 */
function fingerprintOf(request: PlaceOrderRequest): Omit<PlaceOrderRequest, 'channel'> & { channel?: string } {
  return request.channel === 'api' ? { ...request, channel: undefined } : request;
}

/** Refuses an external ID already used in the channel, naming the order that has it (409). */
async function refuseTakenExternalId(db: Db, channel: string, externalId: string): Promise<void> {
  const existingOrderId = await findOrderIdByExternalId(db, channel, externalId);
  if (existingOrderId) throw new DuplicateExternalIdError(channel, externalId, existingOrderId);
}

async function findReplay(
  deps: OrderPlacementDeps,
  scope: string,
  key: string,
  requestHash: string,
): Promise<PlacedOrder | undefined> {
  const orderId = await findIdempotencyKey(deps.db, scope, key, requestHash);
  if (orderId === undefined) return undefined;
  const order = await findOrderSummary(deps.db, orderId);
  if (!order) throw new Error(`idempotency key ${key} points to missing order ${orderId}`);
  return { id: order.id, trackingNumber: order.trackingNumber, status: order.status, replayed: true };
}

/**
 * The start of the order's workflow, with the static summary and details the Temporal UI shows: customer (by ID: no
 * personal data leaves the database), lines and the catalog value. The priced total (discounts, tax, shipping) is
 * only known once the workflow has priced the order: it is the OrderTotal search attribute.
 */
function orderStartFor(
  input: OrderWorkflowInput,
  request: PlaceOrderRequest,
  products: ReadonlyMap<string, Product>,
): OrderStart {
  const lines = request.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
  const currency = products.get(request.lines[0].sku)!.currency;
  const lineValue = (line: PlaceOrderRequest['lines'][number]) => products.get(line.sku)!.unitPrice * line.quantity;
  const orderValue = formatMoney(catalogValue(request.lines, products), currency);
  return {
    input,
    staticSummary: `Order ${input.orderId} · customer ${input.customerId} · ${lines} · ${orderValue} before discount, tax and shipping`,
    staticDetails: [
      `**Customer** ${input.customerId} · **priority** ${input.priority} · **payment** ${request.payment.method} · **backorders** ${request.backorderPolicy}`,
      '',
      '| SKU | Quantity | Catalog value |',
      '| --- | ---: | ---: |',
      ...request.lines.map((line) => `| ${line.sku} | ${line.quantity} | ${formatMoney(lineValue(line), currency)} |`),
      `| **Total** | | **${orderValue}** |`,
      '',
      'Priced total (discount, tax, shipping): the `OrderTotal` search attribute once validated.',
    ].join('\n'),
  };
}

/**
 * The entry rules of an order's lines (also for an edit's new lines): each SKU once, existing, active and priced in
 * the customer's currency (when known). One error per problem, naming `body.lines.<i>.sku`.
 */
export function lineProblems(
  lines: readonly { sku: string; quantity: number }[],
  products: ReadonlyMap<string, Product>,
  currency: string | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const path = `body.lines.${index}.sku`;
    const product = products.get(line.sku);
    if (seen.has(line.sku))
      errors.push({ path, message: `${line.sku} appears on more than one line; put the whole quantity on one line` });
    seen.add(line.sku);
    if (!product) errors.push({ path, message: `product ${line.sku} does not exist` });
    else if (!product.active) errors.push({ path, message: `product ${line.sku} is inactive` });
    else if (currency && product.currency !== currency)
      errors.push({
        path,
        message: `product ${line.sku} is priced in ${product.currency}, the customer buys in ${currency}`,
      });
  });
  // Every product exists and shares one currency once the lines have no problem of their own.
  if (errors.length === 0 && lines.length > 0) {
    const tooValuable = orderValueProblem(catalogValue(lines, products), products.get(lines[0].sku)!.currency);
    if (tooValuable) errors.push({ path: 'body.lines', message: tooValuable });
  }
  return errors;
}

/** What the entry checks refer to, looked up once for one order or for a whole batch. */
export interface EntryReferences {
  customers: ReadonlyMap<string, Customer>;
  products: ReadonlyMap<string, Product>;
  promotions: ReadonlyMap<string, Promotion>;
}

/** The customers, products and promotions `requests` name, in three lookups side by side whatever their number. */
export async function findEntryReferences(db: Db, requests: readonly PlaceOrderRequest[]): Promise<EntryReferences> {
  const distinct = (values: string[]) => [...new Set(values)];
  // In parallel: the time to accept an order is what a caller waits for.
  const [customers, products, promotions] = await Promise.all([
    findCustomers(db, distinct(requests.map((request) => request.customerId))),
    findProducts(db, distinct(requests.flatMap((request) => request.lines.map((line) => line.sku)))),
    findPromotions(db, distinct(requests.flatMap((request) => request.promotionCode ?? []))),
  ]);
  return { customers, products, promotions };
}

/**
 * The checks that can be made on arrival (SPEC section 3, validation), in the order a caller learns of them: an
 * external ID already taken (by `takenBy`) first, then every failing rule at once. Answers the customer.
 */
export function checkEntry(request: PlaceOrderRequest, references: EntryReferences, takenBy?: string): Customer {
  if (takenBy && request.externalId) throw new DuplicateExternalIdError(request.channel, request.externalId, takenBy);
  const { customer, errors } = entryProblems(request, references);
  if (errors.length > 0 || !customer)
    throw new RuleViolationError(
      `the order cannot be accepted: ${errors.map((error) => error.message).join('; ')}`,
      errors,
    );
  return customer;
}

/** Each failing entry rule becomes an error. */
function entryProblems(request: PlaceOrderRequest, references: EntryReferences) {
  const errors: FieldError[] = [];
  const customer = references.customers.get(request.customerId);
  const promotion = request.promotionCode ? references.promotions.get(request.promotionCode) : undefined;
  if (!customer) errors.push({ path: 'body.customerId', message: `customer ${request.customerId} does not exist` });
  else if (!customer.active)
    errors.push({ path: 'body.customerId', message: `customer ${request.customerId} is inactive` });

  errors.push(...lineProblems(request.lines, references.products, customer?.currency));

  if (customer && request.payment.method === 'card' && !request.payment.token) {
    errors.push({ path: 'body.payment.token', message: 'card payment needs a token' });
  }
  if (customer && request.payment.method === 'invoice' && customer.paymentTerms !== 'net30') {
    errors.push({
      path: 'body.payment.method',
      message: `customer ${customer.id} has ${customer.paymentTerms} terms; invoice payment needs net30`,
    });
  }
  if (request.promotionCode) {
    const now = new Date();
    if (!promotion)
      errors.push({ path: 'body.promotionCode', message: `promotion ${request.promotionCode} does not exist` });
    else if (promotion.validTo && now > new Date(promotion.validTo))
      errors.push({
        path: 'body.promotionCode',
        message: `promotion ${promotion.code} expired at ${promotion.validTo}`,
      });
    else if (promotion.validFrom && now < new Date(promotion.validFrom))
      errors.push({
        path: 'body.promotionCode',
        message: `promotion ${promotion.code} is not valid before ${promotion.validFrom}`,
      });
  }
  if (customer && !request.shippingAddress) {
    for (const field of missingAddressFields(customer.address)) {
      errors.push({
        path: 'body.shippingAddress',
        message: `no shipping address given and the customer's address lacks ${field}`,
      });
    }
  }
  return { customer: customer?.active ? customer : undefined, errors };
}
