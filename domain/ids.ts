/** Identifiers derived from others, shared by workflows and activities (pure: safe in workflow code). */
export const shipmentIdFor = (orderId: string, seq: number) => `${orderId}-S${seq}`;
export const pickListIdFor = (shipmentId: string) => `PL-${shipmentId}`;
/** A refund's credit note is issued once per refund: this key names it (invoices.source_key). */
export const creditNoteSourceKey = (refundId: string) => `credit:${refundId}`;
/** Workflow ID of the restock run that follows one stock movement (a receipt, an adjustment, a release, a return). */
export const restockWorkflowId = (movementKey: string) => `restock/${movementKey}`;
