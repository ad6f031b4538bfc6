import { runScript } from '../support/run-script';
import { sharedServers } from '../support/servers';

/**
 * The short adversarial run CI makes (`npm run adversary` with 7 orders and one worker kill): every order walked
 * through valid and hostile requests and driven to rest, and the system held (no 5xx, no request past its time
 * limit, every order terminal, quantities, refunds and stock consistent, every invariant). It uses the suite's
 * Temporal server, in a namespace of its own (its worker must not share the fixed task queue with chaos's), and
 * the suite's workflow bundle; its PostgreSQL, API and worker are its own.
 */
describe('adversary, short', () => {
  it('walks 7 orders through hostile requests and a worker kill, and every order comes to rest with every check holding', async () => {
    const servers = sharedServers();
    const { code, output } = await runScript('scripts/adversary.ts', [
      '--seed',
      '3',
      '--orders',
      '7',
      '--concurrency',
      '4',
      '--steps',
      '8',
      '--kills',
      '1',
      '--kill-every',
      '3s',
      '--return-window',
      '8s',
      '--hold-timeout',
      '5s',
      '--delivery-timeout',
      '5s',
      '--receipt-timeout',
      '5s',
      '--grace',
      '8s',
      // An order that does not come to rest is a finding: waiting longer for it would only slow CI down.
      '--timeout',
      '45s',
      '--temporal',
      servers.temporalAddress,
      '--workflow-bundle',
      servers.workflowBundlePath,
    ]);
    expect(output).toContain('adversary: seed 3');
    expect(output).toMatch(/worker\s+1 kill -9/);
    expect(output).toMatch(/orders by status\s+.*COMPLETED/);
    expect(output).toContain('== violations: 0');
    expect(output).toContain('adversary: PASS (seed 3)');
    expect(code).toBe(0);
  }, 150_000);
});
