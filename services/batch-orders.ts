import { externalIdKey, findOrderIdsByExternalIds, findOrderSummaries, insertOrderBatch } from '../db/orders';
import { DomainError, DuplicateExternalIdError, type FieldError } from './errors';
import { findIdempotencyKeys, keyResource } from './idempotency-keys';
import {
  checkEntry,
  createOrderPlacement,
  findEntryReferences,
  newOrder,
  requestHashFor,
  type NewOrderWrite,
  type OrderPlacementDeps,
  type PlaceOrderRequest,
} from './place-order';

/** One row of a batch: an order to place, or the errors that kept it from being one (a malformed row). */
export type BatchRow = { request: PlaceOrderRequest } | { errors: FieldError[] };

export interface BatchRowResult {
  index: number;
  id?: string;
  trackingNumber?: string;
  status?: string;
  errors?: FieldError[];
  /** When the row's external ID is already used in its channel: the order that has it. */
  existingOrderId?: string;
}

/** A well-formed row, with its Idempotency-Key (`<key>:<index>`) and its request's fingerprint. */
interface Candidate {
  index: number;
  request: PlaceOrderRequest;
  idempotencyKey?: string;
  requestHash: string;
}

export function createBatchOrders(deps: OrderPlacementDeps & { logError: (error: unknown) => void }) {
  const { placeOrder } = createOrderPlacement(deps);

  /** A row refused: its errors (a DomainError's), or an internal error, logged and answered as such. */
  function refusedRow(index: number, error: unknown): BatchRowResult {
    if (error instanceof DomainError)
      return {
        index,
        errors: error.errors.length ? error.errors : [{ path: 'body', message: error.message }],
        ...(error instanceof DuplicateExternalIdError ? { existingOrderId: error.existingOrderId } : {}),
      };
    deps.logError(error);
    return {
      index,
      errors: [
        { path: 'body', message: 'this row could not be placed because of an internal error; it has been logged' },
      ],
    };
  }

  /** A row placed on its own, as `POST /v1/orders` places an order (the way back when the batch write fails). */
  async function placeRow(candidate: Candidate, scope: string): Promise<BatchRowResult> {
    try {
      const placed = await placeOrder(candidate.request, {
        idempotencyKey: candidate.idempotencyKey,
        scope,
        source: 'batch',
      });
      return { index: candidate.index, id: placed.id, trackingNumber: placed.trackingNumber, status: placed.status };
    } catch (error) {
      return refusedRow(candidate.index, error);
    }
  }

  return {
    /**
     * Places the orders of a batch with the rules of a single order, row by row as to outcome, but set-based as to
     * work: the rows' replays, taken external IDs and references are looked up together, and the accepted orders
     * (each with its start request and key) written in one transaction, so a 1000-row batch costs a few round trips,
     * not thousands. A bad row gets its errors and writes nothing, and never stops the good ones. An external ID is
     * taken by the first row that is accepted with it. Batch orders get the batch priority (SPEC section 3). With an
     * Idempotency-Key, row i uses `<key>:<i>`, so a retried batch places nothing twice. Their workflows start right
     * after, a bounded number at a time (services/order-starts.ts); the sweeper starts what a crash leaves behind.
     */
    async placeBatch(rows: BatchRow[], options: { idempotencyKey?: string; scope: string }): Promise<BatchRowResult[]> {
      const results: BatchRowResult[] = [];
      const candidates: Candidate[] = [];
      for (const [index, row] of rows.entries()) {
        if ('errors' in row) results[index] = { index, errors: row.errors };
        else
          candidates.push({
            index,
            request: row.request,
            idempotencyKey: options.idempotencyKey && `${options.idempotencyKey}:${index}`,
            requestHash: requestHashFor(row.request),
          });
      }

      const withExternalId = candidates.flatMap(({ request }) =>
        request.externalId ? [{ channel: request.channel, externalId: request.externalId }] : [],
      );
      const [storedKeys, takenExternalIds, references] = await Promise.all([
        findIdempotencyKeys(
          deps.db,
          options.scope,
          candidates.flatMap((candidate) => candidate.idempotencyKey ?? []),
        ),
        findOrderIdsByExternalIds(deps.db, withExternalId),
        findEntryReferences(
          deps.db,
          candidates.map((candidate) => candidate.request),
        ),
      ]);

      // Row by row, in order, as if each were placed after the ones before it.
      const replays = new Map<number, string>();
      const accepted: { candidate: Candidate; order: NewOrderWrite }[] = [];
      for (const candidate of candidates) {
        const { index, request, idempotencyKey } = candidate;
        try {
          const stored = idempotencyKey ? storedKeys.get(idempotencyKey) : undefined;
          if (stored) {
            replays.set(index, keyResource(stored, candidate.requestHash));
            continue;
          }
          const externalId = request.externalId && externalIdKey(request.channel, request.externalId);
          const customer = checkEntry(request, references, externalId ? takenExternalIds.get(externalId) : undefined);
          const order = newOrder(deps, request, customer, references.products, {
            idempotencyKey,
            scope: options.scope,
            source: 'batch',
            requestHash: candidate.requestHash,
          });
          if (externalId) takenExternalIds.set(externalId, order.id);
          accepted.push({ candidate, order });
        } catch (error) {
          results[index] = refusedRow(index, error);
        }
      }

      // Rows an earlier try of this batch placed: the order each made.
      const replayed = await findOrderSummaries(deps.db, [...replays.values()]);
      for (const [index, orderId] of replays) {
        const order = replayed.get(orderId);
        results[index] = order
          ? { index, id: order.id, trackingNumber: order.trackingNumber, status: order.status }
          : refusedRow(index, new Error(`idempotency key of batch row ${index} points to missing order ${orderId}`));
      }

      try {
        await insertOrderBatch(
          deps.db,
          accepted.map(({ order }) => order.write),
        );
      } catch (error) {
        // Nothing was written. Any other failure (the database gone) fails the request, to be retried with its key.
        if (!isRace(error)) throw error;
        // A concurrent request took one of the external IDs or keys since the lookups: every row is placed on its own
        // then, in order, as single orders are, and gets its own answer (a row refused for an external ID an earlier
        // row was to take may now find it free, or taken by another order).
        for (const candidate of candidates) results[candidate.index] = await placeRow(candidate, options.scope);
        return results;
      }
      for (const { candidate, order } of accepted) {
        results[candidate.index] = {
          index: candidate.index,
          id: order.id,
          trackingNumber: order.trackingNumber,
          status: 'PENDING',
        };
        deps.orderStarts.startSoon(order.start);
      }
      return results;
    },
  };
}

/**
 * Another request changed what the lookups saw: a unique index refused a row (23505), two writers deadlocked (40P01),
 * or a row refers to one removed meanwhile (23503).
 */
const isRace = (error: unknown) => ['23505', '40P01', '23503'].includes((error as { code?: string }).code ?? '');
