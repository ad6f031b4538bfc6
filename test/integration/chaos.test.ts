import { runScript } from '../support/run-script';
import { sharedServers } from '../support/servers';

/**
 * The short chaos runs CI makes (`npm run chaos` with 30 orders): the worker is kill -9'd, PostgreSQL restarts once
 * and the sandbox provider fails 20 % of calls and loses 5 % of responses, and still every order settles and every
 * invariant holds. The first uses the suite's Temporal server and workflow bundle (its PostgreSQL, API and worker are
 * its own: they are the ones it kills and restarts); the second runs the cluster topology, whose Temporal server on
 * PostgreSQL it restarts too.
 */
describe('chaos, short', () => {
  it('settles 30 orders through 2 worker kills, a PostgreSQL restart and payment faults, every invariant holding', async () => {
    const servers = sharedServers();
    const { code, output } = await runScript('scripts/chaos.ts', [
      '--orders',
      '30',
      '--concurrency',
      '6',
      '--kills',
      '2',
      '--kill-every',
      '2s',
      '--pg-restarts',
      '1',
      '--return-window',
      '4s',
      '--delivery-delay',
      '500ms',
      '--outage',
      '5s',
      // Generous: a workflow task that failed under a kill is retried with backoff, slower still on a loaded machine.
      '--timeout',
      '240s',
      '--temporal',
      servers.temporalAddress,
      '--workflow-bundle',
      servers.workflowBundlePath,
    ]);
    expect(output).toMatch(/worker\s+2 kill -9/);
    expect(output).toMatch(/PostgreSQL\s+1 restart\(s\)/);
    expect(output).toMatch(/payment faults\s+[1-9]\d* transient failures/);
    expect(output).toMatch(/orders by status\s+.*COMPLETED/);
    expect(output).toContain('all invariants hold');
    // Every event and email got out through the kills, the restart and the receiver's and mail server's outage.
    expect(output).toMatch(
      /events\s+[1-9]\d* recorded .*, 0 never received, 0 orders with a gap in their sequence, 0 bad/,
    );
    expect(output).toMatch(/customer emails\s+[1-9]\d* recorded, [1-9]\d* received by the mail server, 0 not received/);
    expect(output).toContain('webhook receiver and mail server down for 5s');
    expect(output).toContain('chaos: PASS');
    expect(code).toBe(0);
  }, 360_000);

  it('settles 30 orders on the cluster topology through a Temporal server restart, a PostgreSQL restart and kills of two workers', async () => {
    const servers = sharedServers();
    const { code, output } = await runScript('scripts/chaos.ts', [
      '--topology',
      'cluster',
      '--orders',
      '30',
      '--concurrency',
      '6',
      '--kills',
      '3',
      '--kill-every',
      '2s',
      '--temporal-down',
      '3s',
      '--outage',
      '5s',
      '--return-window',
      '4s',
      '--delivery-delay',
      '500ms',
      '--timeout',
      '240s',
      '--workflow-bundle',
      servers.workflowBundlePath,
    ]);
    expect(output).toMatch(/Temporal\s+server on PostgreSQL, 1 restart\(s\)/);
    expect(output).toMatch(/worker\s+3 kill -9, \d+ starts, 0 crashes \(2 worker process\(es\)\)/);
    expect(output).toMatch(/PostgreSQL\s+1 restart\(s\)/);
    expect(output).toContain('all invariants hold');
    expect(output).toContain('chaos: PASS');
    expect(code).toBe(0);
  }, 360_000);
});
