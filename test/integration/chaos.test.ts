import { spawn } from 'node:child_process';
import path from 'node:path';
import { sharedServers } from '../support/servers';

/**
 * The short chaos run CI makes (`npm run chaos` with 30 orders): the worker is kill -9'd twice, PostgreSQL
 * restarts once and the sandbox provider fails 20 % of calls and loses 5 % of responses, and still every order
 * settles and every invariant holds. It uses the suite's Temporal server and workflow bundle; its PostgreSQL,
 * API and worker are its own (they are the ones it kills and restarts).
 */
describe('chaos, short', () => {
  it('settles 30 orders through 2 worker kills, a PostgreSQL restart and payment faults, every invariant holding', async () => {
    const servers = sharedServers();
    const { code, output } = await runChaos([
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
    expect(output).toContain('chaos: PASS');
    expect(code).toBe(0);
  }, 360_000);
});

function runChaos(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', ...args], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) console.log(output.slice(-8_000)); // what went wrong, in the test output
      resolve({ code, output });
    });
  });
}
