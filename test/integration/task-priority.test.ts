import { randomBytes } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sharedServers } from '../support/servers';
import { startOms, type TestOms } from '../support/oms';

/**
 * Does the pinned Temporal server (CLI v1.5.1, server 1.29.1) honour task priority? Six workflows with
 * priority 5 wait in the backlog before one with priority 1; a worker with one slot then takes tasks. With
 * priority support the priority-1 workflow's first task is dispatched before every priority-5 one.
 */
describe('Temporal task priority on the pinned server', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  it('dispatches a priority-1 workflow task ahead of a backlog of priority-5 ones', async () => {
    const taskQueue = `priority-${randomBytes(4).toString('hex')}`;
    const start = (id: string, priorityKey: number) =>
      oms.temporal.workflow.start('restockWorkflow', {
        taskQueue,
        workflowId: id,
        args: [{ sku: 'NO-SUCH-SKU' }],
        priority: { priorityKey },
      });
    const low = [];
    for (let index = 0; index < 6; index++) low.push(await start(`${taskQueue}-low-${index}`, 5));
    const high = await start(`${taskQueue}-high`, 1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let every task reach the backlog

    const connection = await NativeConnection.connect({ address: sharedServers().temporalAddress });
    try {
      const worker = await Worker.create({
        connection,
        taskQueue,
        dataConverter: oms.dataConverter,
        workflowBundle: { codePath: sharedServers().workflowBundlePath },
        activities: oms.activities,
        // One task at a time, no sticky queue: the server's dispatch order is the order of execution.
        maxConcurrentWorkflowTaskExecutions: 1,
        maxConcurrentWorkflowTaskPolls: 1,
        maxCachedWorkflows: 0,
      });
      await worker.runUntil(Promise.all([high, ...low].map((handle) => handle.result())));
    } finally {
      await connection.close();
    }

    const firstTaskStarted = async (handle: typeof high) => {
      const history = await handle.fetchHistory();
      const started = history.events!.find((event) => event.workflowTaskStartedEventAttributes)!;
      return Number(started.eventTime!.seconds) * 1e9 + Number(started.eventTime!.nanos);
    };
    const highStarted = await firstTaskStarted(high);
    const lowStarted = await Promise.all(low.map(firstTaskStarted));
    expect(lowStarted.filter((time) => time < highStarted)).toEqual([]);
  });
});
