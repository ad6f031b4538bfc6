import { DomainError, DuplicateExternalIdError, type FieldError } from './errors';
import { createOrderPlacement, type OrderPlacementDeps, type PlaceOrderRequest } from './place-order';

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

export function createBatchOrders(deps: OrderPlacementDeps & { logError: (error: unknown) => void }) {
  const { placeOrder } = createOrderPlacement(deps);
  return {
    /**
     * Places each order of a batch on its own: a bad row gets its errors and writes nothing, and never stops the
     * good ones. Batch orders get the batch priority (SPEC section 3). With an Idempotency-Key, row i uses
     * `<key>:<i>`, so a retried batch places nothing twice.
     */
    async placeBatch(rows: BatchRow[], options: { idempotencyKey?: string; scope: string }): Promise<BatchRowResult[]> {
      const results: BatchRowResult[] = [];
      for (const [index, row] of rows.entries()) {
        if ('errors' in row) {
          results.push({ index, errors: row.errors });
          continue;
        }
        try {
          const placed = await placeOrder(row.request, {
            idempotencyKey: options.idempotencyKey && `${options.idempotencyKey}:${index}`,
            scope: options.scope,
            source: 'batch',
          });
          results.push({ index, id: placed.id, trackingNumber: placed.trackingNumber, status: placed.status });
        } catch (error) {
          if (error instanceof DomainError) {
            results.push({
              index,
              errors: error.errors.length ? error.errors : [{ path: 'body', message: error.message }],
              ...(error instanceof DuplicateExternalIdError ? { existingOrderId: error.existingOrderId } : {}),
            });
          } else {
            deps.logError(error);
            results.push({
              index,
              errors: [
                {
                  path: 'body',
                  message: 'this row could not be placed because of an internal error; it has been logged',
                },
              ],
            });
          }
        }
      }
      return results;
    },
  };
}
