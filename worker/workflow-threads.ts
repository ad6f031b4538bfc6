import path from 'node:path';
import { PROJECT_ROOT } from '../tools/project-root';

/** worker/workflow-thread-preload.cjs: the workflow threads' settings, applied before the SDK starts them. */
export const WORKFLOW_THREAD_PRELOAD = path.join(PROJECT_ROOT, 'worker', 'workflow-thread-preload.cjs');

/**
 * V8's young generation for a worker process: 32 MB semi-spaces instead of 16. A worker allocates quickly and keeps
 * much of it across an await (activations, activity results, outgoing messages); with the default, the scavenger ran
 * often enough to promote that to the old generation, which the major collector then marked and swept. Measured with
 * `npm run bench` (issue 20): about 10 CPU ms less per order, for 40 to 120 MB more resident memory.
 */
export const WORKER_HEAP_FLAGS = ['--max-semi-space-size=32'];

/** The node flags of a process that hosts an order worker (`npm run worker`, `npm start`, the bench, a cluster). */
export const WORKER_NODE_FLAGS = ['--require', WORKFLOW_THREAD_PRELOAD, ...WORKER_HEAP_FLAGS];

/** Whether this process was started with WORKER_NODE_FLAGS. */
export function workflowThreadsPreloaded(): boolean {
  return (globalThis as { __omsWorkerPreloaded?: boolean }).__omsWorkerPreloaded === true;
}
