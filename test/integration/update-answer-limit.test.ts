import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { OrderRecoveringError } from '../../services/errors';
import { sendUpdate } from '../../services/order-updates';
import { resumeBackorderUpdate } from '../../workflows/order/messages';
import { sharedServers } from '../support/servers';

/**
 * A request never waits on a workflow longer than the API's answer limit: an order whose worker is away (killed, its
 * task not yet timed out) is answered 503, to be retried with the same Idempotency-Key (SPEC: no request hangs).
 */
describe('the answer limit of Updates', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: sharedServers().temporalAddress });
  });
  afterAll(() => connection?.close());

  it('answers 503 "recovering" when the workflow does not answer in time', async () => {
    const client = new Client({ connection });
    // A workflow on a task queue no worker polls: its Update can never be answered.
    const handle = await client.workflow.start('orderWorkflow', {
      taskQueue: `nobody-polls-${randomBytes(3).toString('hex')}`,
      workflowId: `UPDATE-LIMIT-${randomBytes(4).toString('hex')}`,
      args: [],
    });
    try {
      const started = Date.now();
      const answer = sendUpdate(
        handle,
        (workflow) => workflow.executeUpdate(resumeBackorderUpdate, { args: [{}] }),
        () => Promise.reject(new Error('the workflow is running')),
        1_500,
      );
      await expect(answer).rejects.toBeInstanceOf(OrderRecoveringError);
      await expect(answer).rejects.toThrow(/has not answered within 1.5 s/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await handle.terminate('test over');
    }
  });
});
