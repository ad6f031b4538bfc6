import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ORDER_SEARCH_ATTRIBUTES } from '../workflows/order/search-attributes';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  namespace?: string;
  /** Persist workflows here across restarts; omitted, the server keeps them in memory. */
  dbFile?: string;
  logFile: string;
  headless?: boolean;
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` with the order search attributes registered and waits until it
 * answers. Its output goes to `logFile`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--log-level', 'warn',
    ...(namespace !== 'default' ? ['--namespace', namespace] : []),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.headless ? ['--headless'] : []),
    ...Object.entries(ORDER_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(options.extraArgs ?? []),
  ];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exit: string | undefined;
  child.on('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));

  const address = `127.0.0.1:${options.port}`;
  await waitUntilServing(address, namespace, () => exit, options.logFile);
  return {
    address,
    uiUrl: `http://localhost:${options.uiPort}`,
    process: child,
    stop: () => stopProcess(child),
  };
}

async function waitUntilServing(address: string, namespace: string, exited: () => string | undefined, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = exited();
    if (reason) throw new Error(`Temporal dev server ${reason} before it was ready; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not become ready in 60s (${String(lastError)}); see ${logFile}`);
}

/** SIGTERM, then SIGKILL if the process is still there after a grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
