/** The restock workflow's patches, oldest first (as workflows/order/patches.ts is for orders). */

/**
 * Orders that did not answer the offer in time (their workflow task failing, their worker away) are offered the stock
 * again later, with backoff, for up to a day (they were skipped for good: an order whose task failed while stock
 * arrived waited for the next receipt of its SKU).
 */
export const ASK_UNANSWERED_AGAIN = 'restock-asks-unanswered-again';
