import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { clusterDir } from '../../db/embedded-postgres';
import { freeTemporalServerPort } from '../../tools/free-port';
import { eventually, freePort } from '../support/helpers';

const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm run cluster` as production runs: the built app (dist/), a Temporal server on PostgreSQL (SQL persistence and
 * visibility, schemas from temporal-sql-tool), the UI server, two workers and two API processes on one port. The
 * black-box paths that differ there: placing, approval, backorder and resume, cancel, refund, and list queries by
 * the order search attributes.
 */
describe('npm run cluster', () => {
  // 0700, as root's home is: PostgreSQL's data moves where its own user can reach it.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oms-cluster-'));
  let cluster: ChildProcess | undefined;
  let output = '';
  let api = '';
  let temporalAddress = '';
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    const temporalPort = await freeTemporalServerPort();
    const ports = { api: await freePort(), ui: await freePort(), pg: await freePort(), codec: await freePort() };
    api = `http://localhost:${ports.api}`;
    temporalAddress = `127.0.0.1:${temporalPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OMS_DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(ports.ui),
      OMS_PG_PORT: String(ports.pg),
      OMS_CODEC_PORT: String(ports.codec),
      OMS_CARRIER_DELIVERY_DELAY: '1h',
      OMS_RISK_RULES: 'off', // the risk rules are test/integration/holds.test.ts's
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    cluster = spawn(process.execPath, ['dist/scripts/cluster.js'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run cluster not ready in 240 s:\n${output}`)), 240_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      };
      cluster!.stdout!.on('data', collect);
      cluster!.stderr!.on('data', collect);
      cluster!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm run cluster exited with ${code}:\n${output}`));
      });
    });
    for (const match of output.matchAll(/^ {4}(\w+)\s+(oms_\S+)$/gm)) keys[match[1]] = match[2];
  }, 300_000);

  afterAll(async () => {
    if (cluster && cluster.exitCode === null) {
      const exited = new Promise((resolve) => cluster!.once('exit', resolve));
      cluster.kill('SIGINT');
      await exited;
    }
    rmSync(clusterDir(path.join(dataDir, 'cluster', 'postgres')), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const call = async (role: string, method: string, route: string, body?: unknown) => {
    const response = await fetch(`${api}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${keys[role]}`,
        'content-type': 'application/json',
        ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const place = async (customerId: string, lines: { sku: string; quantity: number }[]) =>
    (
      await call('sales', 'POST', '/v1/orders', {
        customerId,
        lines,
        backorderPolicy: 'wait_all',
        payment: { method: 'card', token: 'tok_ok' },
      })
    ).body.id as string;
  const statusOf = async (id: string) => (await call('sales', 'GET', `/v1/orders/${id}`)).body.status as string;
  const until = (id: string, status: string) =>
    eventually(
      () => statusOf(id),
      (current) => current === status,
      60_000,
    );

  it('runs the production topology and prints the same summary as npm start', async () => {
    expect(output).toContain('OMS cluster is running');
    expect(output).toContain('2 workers, 2 API processes');
    expect(Object.keys(keys).sort()).toEqual(['admin', 'approver', 'carrier', 'sales', 'support', 'warehouse']);
    expect((await fetch(`${api}/ready`)).status).toBe(200);
    // Two API processes (node:cluster children of the API process) share the one port; two workers poll.
    const childrenOf = (pid: number) =>
      execFileSync('ps', ['--ppid', String(pid), '-o', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields.length > 1)
        .map(([childPid, ...args]) => ({ pid: Number(childPid), args: args.join(' ') }));
    const processes = childrenOf(cluster!.pid!);
    expect(processes.filter((child) => child.args.includes('dist/worker/main.js'))).toHaveLength(2);
    const apiPrimary = processes.filter((child) => child.args.includes('dist/api/main.js'));
    expect(apiPrimary).toHaveLength(1);
    expect(childrenOf(apiPrimary[0].pid).filter((child) => child.args.includes('dist/api/main.js'))).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${api}/health`)));
    expect(answers.every((answer) => answer.ok)).toBe(true);
  });

  it('places, approves, backorders and resumes, cancels and refunds orders', async () => {
    const plain = await place('CUST-ACME', [{ sku: 'MUG-BLK', quantity: 2 }]);
    expect(await until(plain, 'SHIPPED')).toBe('SHIPPED');
    const refund = await call('support', 'POST', `/v1/orders/${plain}/refunds`, { amount: 500, reason: 'scratched' });
    expect([refund.status, refund.body]).toEqual([201, expect.anything()]);

    const large = await place('CUST-ACME', [{ sku: 'LAPTOP-14', quantity: 4 }]);
    expect(await until(large, 'AWAITING_APPROVAL')).toBe('AWAITING_APPROVAL');
    expect((await call('approver', 'POST', `/v1/orders/${large}/approve`, {})).status).toBe(200);
    expect(await until(large, 'SHIPPED')).toBe('SHIPPED');

    const waiting = await place('CUST-INITECH', [{ sku: 'BEANS-1KG', quantity: 250 }]);
    expect(await until(waiting, 'BACKORDERED')).toBe('BACKORDERED');
    // SQL visibility answers list queries on the order search attributes.
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const temporal = new Client({ connection });
      const listed = await eventually(
        async () => {
          const ids: string[] = [];
          for await (const workflow of temporal.workflow.list({ query: 'OrderStatus="BACKORDERED"' }))
            ids.push(workflow.workflowId);
          return ids;
        },
        (ids) => ids.includes(waiting),
        30_000,
      );
      expect(listed).toContain(waiting);
    } finally {
      await connection.close();
    }
    const receipt = await call('warehouse', 'POST', '/v1/inventory/receipts', {
      warehouse: 'EWR',
      sku: 'BEANS-1KG',
      quantity: 100,
      reference: 'PO-CLUSTER-1',
    });
    expect(receipt.status).toBe(201);
    expect(await until(waiting, 'SHIPPED')).toBe('SHIPPED');

    const cancelled = await place('CUST-INITECH', [{ sku: 'BEANS-1KG', quantity: 500 }]);
    expect(await until(cancelled, 'BACKORDERED')).toBe('BACKORDERED');
    expect((await call('support', 'POST', `/v1/orders/${cancelled}/cancel`, { reason: 'customer asked' })).status).toBe(
      200,
    );
    expect(await until(cancelled, 'CANCELLED')).toBe('CANCELLED');
  }, 240_000);
});
