import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { clusterDir } from '../../db/embedded-postgres';
import { PROJECT_ROOT } from '../../tools/project-root';
import { eventually, freePort } from '../support/helpers';
import { sharedServers } from '../support/servers';

/**
 * `npm start` as a person runs it: everything comes up and prints its URLs and keys, Ctrl-C stops every child
 * process, and a restart finds the data (orders, workflows) where it was left.
 */
/** What `npm start` runs (package.json), run directly so that the test signals node itself, not npm. */
const START = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(' ')
  .slice(1);

describe('npm start', () => {
  // 0700, as root's home is: as root, PostgreSQL's own user cannot enter it, and its cluster moves out.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oms-start-'));
  let ports: { api: number; temporal: number; ui: number; pg: number; codec: number };
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    ports = {
      api: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      pg: await freePort(),
      codec: await freePort(),
    };
  });
  afterAll(async () => {
    if (child && child.exitCode === null) await stop(child);
    rmSync(clusterDir(path.join(dataDir, 'postgres')), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  function environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OMS_DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      OMS_PG_PORT: String(ports.pg),
      OMS_CODEC_PORT: String(ports.codec),
      TEMPORAL_CLI: sharedServers().cliPath,
      OMS_CARRIER_DELIVERY_DELAY: '30s',
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    return env;
  }

  function start(): Promise<{ output: string; process: ChildProcess }> {
    const started = spawn(process.execPath, START, {
      env: environment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`npm start not ready in 90s:\n${output}`)), 90_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve({ output, process: started });
        }
      };
      started.stdout!.on('data', collect);
      started.stderr!.on('data', collect);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${output}`));
      });
    });
  }

  it('runs everything, stops every child on Ctrl-C, and keeps its data across a restart', async () => {
    const first = await start();
    expect(first.output).toContain(`http://localhost:${ports.api}/v1`);
    expect(first.output).toContain(`http://localhost:${ports.ui}/namespaces/default/workflows`);
    // The worker in this process runs its workflow threads as configured (worker/workflow-thread-preload.cjs).
    expect(first.output).not.toContain('workflow stack traces stay on');
    const salesKey = /sales\s+(\S+)/.exec(first.output)![1];
    const api = async (route: string, init: RequestInit = {}) => {
      const response = await fetch(`http://localhost:${ports.api}${route}`, {
        ...init,
        headers: { authorization: `Bearer ${salesKey}`, 'content-type': 'application/json', ...init.headers },
      });
      return { json: () => response.json() as Promise<any> };
    };

    const placed = await (
      await api('/v1/orders', {
        method: 'POST',
        body: JSON.stringify({
          customerId: 'CUST-ACME',
          lines: [{ sku: 'TEE-M', quantity: 1 }],
          payment: { method: 'card', token: 'tok_ok' },
        }),
      })
    ).json();
    const shipped = await eventually(
      async () => (await (await api(`/v1/orders/${placed.id}`)).json()).status,
      (status) => status === 'SHIPPED',
      30_000,
    );
    expect(shipped).toBe('SHIPPED');
    expect((await fetch(`http://localhost:${ports.ui}/`)).status).toBe(200);
    // The codec server runs, is printed, and the dev server's UI decodes payloads through it.
    const codecUrl = `http://127.0.0.1:${ports.codec}`;
    expect(first.output).toContain(codecUrl);
    const uiSettings = (await (await fetch(`http://localhost:${ports.ui}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string };
    };
    expect(uiSettings.Codec.Endpoint).toBe(codecUrl);
    expect((await fetch(`${codecUrl}/decode`, { method: 'POST', body: '{"payloads":[]}' })).status).toBe(200);

    await stop(first.process);
    expect(first.process.exitCode).toBe(0);
    for (const port of [ports.api, ports.temporal, ports.ui, ports.pg, ports.codec])
      expect(await isListening(port)).toBe(false);

    // Keys are shown once: the restart says how to make a new one, the data dir keeps no plain key, and the
    // key from the first start still works (its hash is in the database).
    const second = await start();
    expect(second.output).not.toContain(salesKey);
    expect(second.output).toContain('were shown when');
    expect(second.output).toContain('npx oms keys create --role');
    expect(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(salesKey);
    expect((await (await api(`/v1/orders/${placed.id}`)).json()).status).toBe('SHIPPED');
    const tee = await (await api('/v1/inventory?sku=TEE-M&warehouse=EWR')).json();
    expect(tee.items[0].onHand).toBe(299); // the seed ran again without receiving the stock twice
    // The workflow survived the restart too: the server still knows it and it is still running.
    const history = await (await api(`/v1/orders/${placed.id}/history`)).json();
    expect(history.workflowId).toBe(placed.id);
    await stop(second.process);
  }, 240_000);

  it('says in one line what to do when it cannot start, and leaves nothing running', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(ports.pg, resolve));
    try {
      const failed = spawn(process.execPath, START, {
        env: environment(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      failed.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      failed.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise((resolve) => failed.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toMatch(/^\[oms\] could not start: PostgreSQL did not start on port \d+ .*OMS_PG_PORT/m);
      expect(output).not.toMatch(/^\s+at /m);
      for (const port of [ports.api, ports.temporal, ports.codec]) expect(await isListening(port)).toBe(false);
    } finally {
      taken.close();
    }
  }, 60_000);
});

function stop(process: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (process.exitCode !== null) return resolve();
    process.once('exit', () => resolve());
    process.kill('SIGINT');
  });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
