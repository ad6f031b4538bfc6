/** Everything the worker's workflow bundle contains. */
export { orderWorkflow } from './order/order.workflow';
export { restockWorkflow } from './restock/restock.workflow';
export { returnWorkflow } from './return/return.workflow';
export { refundWorkflow } from './refund/refund.workflow';
