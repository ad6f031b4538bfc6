'use strict';
// Preloaded (`node --require`, see WORKER_NODE_FLAGS in worker/workflow-threads.ts) by every process that hosts an
// order worker. Node runs it in each thread of the process; it acts only in worker threads, where the SDK runs
// workflows.
//
// For the Web UI's "Stack Trace" tab, the SDK installs a V8 promise hook in those threads that captures and
// source-maps a stack for every promise a workflow creates (temporalio/sdk-typescript#1587). That is about 20 CPU
// ms of an order's 200 (`npm run bench`). An order never waits without saying why (a held order names its
// reason; the timeline and pending activities show the step), so the hook is off unless
// OMS_WORKFLOW_STACK_TRACES=on. Without it the tab answers "Workflow stack traces are not enabled on this worker".
const { isMainThread } = require('node:worker_threads');

globalThis.__omsWorkerPreloaded = true;

if (!isMainThread && process.env.OMS_WORKFLOW_STACK_TRACES !== 'on') {
  const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared');
  // An SDK without this internal keeps its stack traces; test/unit/workflow-threads.test.ts notices.
  if (globalHandlers && typeof globalHandlers.setPromiseHook === 'function') {
    globalHandlers.setPromiseHook = () => undefined;
  }
}
