import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { sdkMetricsText } from './sdk-metrics';

/**
 * Metrics of this process as a whole: Node.js runtime figures and what the worker's activities record. One
 * registry per process, like the Temporal Runtime whose metrics sit next to it, so `npm start` (worker and
 * API in one process) and `npm run worker` expose the same thing.
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

/** Activity durations by step (activity type); the outcome says whether the attempt completed or failed. */
export const stepDuration = new Histogram({
  name: 'oms_step_duration_seconds',
  help: 'Duration of one attempt of an order pipeline step (a Temporal activity), by step and outcome',
  labelNames: ['step', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});

/** Every order status the worker wrote to the read model (a retried write may count twice). */
export const orderStatusChanges = new Counter({
  name: 'oms_order_status_changes_total',
  help: 'Order status changes written by the worker, by new status',
  labelNames: ['status'] as const,
  registers: [processRegistry],
});

/** Orders whose workflow recorded its first event: every order placed through the API or a batch. */
export const ordersPlaced = new Counter({
  name: 'oms_orders_placed_total',
  help: 'Orders that entered the pipeline (their workflow recorded its first event)',
  registers: [processRegistry],
});

/** This process's metrics and the Temporal SDK's, in Prometheus text. */
export async function processMetricsText(): Promise<string> {
  const [own, sdk] = await Promise.all([processRegistry.metrics(), sdkMetricsText()]);
  return sdk ? `${own}\n${sdk}` : own;
}
