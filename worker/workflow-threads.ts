import path from 'node:path';
import { PROJECT_ROOT } from '../tools/project-root';

/** worker/workflow-thread-preload.cjs: the workflow threads' settings, applied before the SDK starts them. */
export const WORKFLOW_THREAD_PRELOAD = path.join(PROJECT_ROOT, 'worker', 'workflow-thread-preload.cjs');

/** The node flags of a process that hosts an order worker (`npm run worker`, `npm start`, the bench, a cluster). */
export const WORKER_NODE_FLAGS = ['--require', WORKFLOW_THREAD_PRELOAD];

/** Whether this process was started with WORKER_NODE_FLAGS. */
export function workflowThreadsPreloaded(): boolean {
  return (globalThis as { __omsWorkerPreloaded?: boolean }).__omsWorkerPreloaded === true;
}
