import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { OrderActivities } from '../../contract';
import { sharedServers } from '../support/servers';

type Offer = Awaited<ReturnType<OrderActivities['resumeBackorders']>>;

/**
 * The restock workflow offers a SKU's stock to the orders missing it; one that does not answer in time (its workflow
 * task failing while stock arrived: a chaos run's order waited with stock on the shelf) is offered it again later.
 */
describe('restock workflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: sharedServers().temporalAddress,
      namespace: 'default',
    });
  });
  afterAll(() => env.teardown());

  async function restock(answers: Offer[]): Promise<{ result: unknown; offers: unknown[] }> {
    const taskQueue = `restock-test-${randomBytes(3).toString('hex')}`;
    const offers: unknown[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: sharedServers().workflowBundlePath },
      activities: {
        resumeBackorders: async (input: unknown) => {
          offers.push(input);
          return answers[offers.length - 1];
        },
      },
    });
    const result = await worker.runUntil(
      env.client.workflow.execute('restockWorkflow', {
        taskQueue,
        workflowId: `restock-test-${randomBytes(4).toString('hex')}`,
        args: [{ sku: 'SKU-R', askAgainAfterMs: 100 }],
      }),
    );
    return { result, offers };
  }

  it('offers the stock again, with backoff, to the orders that did not answer, until they do', async () => {
    const { result, offers } = await restock([
      { resumed: ['ORD-A'], unanswered: ['ORD-JAMMED'] },
      { resumed: [], unanswered: ['ORD-JAMMED'] },
      { resumed: ['ORD-JAMMED'], unanswered: [] },
    ]);
    expect(result).toEqual({ resumed: ['ORD-A', 'ORD-JAMMED'] });
    expect(offers).toEqual([{ sku: 'SKU-R' }, { sku: 'SKU-R' }, { sku: 'SKU-R' }]);
  });

  it('ends after one offer when every order answered', async () => {
    const { result, offers } = await restock([{ resumed: ['ORD-A'], unanswered: [] }]);
    expect(result).toEqual({ resumed: ['ORD-A'] });
    expect(offers).toHaveLength(1);
  });
});
