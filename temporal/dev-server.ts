import {
  spawn,
  type ChildProcess,
  type SpawnOptionsWithStdioTuple,
  type StdioNull,
  type StdioPipe,
} from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Records the server's pid, so a server orphaned by a killed run is stopped at the next start. */
  pidFile?: string;
  headless?: boolean;
  /** The codec server the Web UI uses to show decrypted payloads (`--ui-codec-endpoint`). */
  codecEndpoint?: string;
  extraArgs?: string[];
  /** Runs the server this much lower in CPU priority (`OMS_BACKGROUND_NICENESS`); 0 or unset leaves it as is. */
  niceness?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The dev server's environment: this process's, with GOGC=300 unless it sets one. Go's collector ran at about a
 * tenth of the server's CPU at its default of 100; at 300 the server uses about 150 MB more and 8 % less CPU
 * (`npm run bench`).
 */
export function devServerEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GOGC: env.GOGC || '300' };
}

/**
 * Runs `temporal server start-dev` with the order search attributes registered and waits until it
 * answers. Its output goes to `logFile`.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--log-level',
    'warn',
    ...(namespace !== 'default' ? ['--namespace', namespace] : []),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.headless ? ['--headless'] : []),
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
    ...Object.entries(ORDER_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    // Task priority (orders pass theirs as the priority key): server 1.29 dispatches by priority only with the
    // new matcher, and only within a task queue partition; test/integration/task-priority.test.ts shows both
    // are needed. One partition is plenty for a development server.
    '--dynamic-config-value',
    'matching.useNewMatcher=true',
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
    // Eager activity dispatch (see deploy/temporal/dynamicconfig/oms.yaml).
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    ...(options.extraArgs ?? []),
  ];
  if (options.pidFile) await stopOrphanedServer(options.pidFile, 'start-dev', 'Temporal dev server');
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const spawnOptions: SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe> = {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: devServerEnvironment(),
  };
  // Through nice(1), so every thread of the server starts at the lower priority.
  const niced = options.niceness && process.platform !== 'win32';
  const child = niced
    ? spawn('nice', ['-n', String(options.niceness), options.cliPath, ...args], spawnOptions)
    : spawn(options.cliPath, args, spawnOptions);
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, String(child.pid));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exit: string | undefined;
  child.on('exit', (code, signal) => (exit = `exited with ${signal ?? code}`));

  const address = `127.0.0.1:${options.port}`;
  await waitUntilServing({
    address,
    namespace,
    exited: () => exit,
    logFile: options.logFile,
    what: 'Temporal dev server',
  });
  return {
    address,
    uiUrl: `http://localhost:${options.uiPort}`,
    process: child,
    async stop() {
      await stopProcess(child);
      if (options.pidFile) rmSync(options.pidFile, { force: true });
    },
  };
}

/** Waits until the server at `address` serves `namespace`; fails with the end of its log when it exits first. */
export async function waitUntilServing(options: {
  address: string;
  namespace: string;
  exited: () => string | undefined;
  logFile: string;
  what: string;
}): Promise<void> {
  const { address, namespace, exited, logFile, what } = options;
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = exited();
    if (reason) {
      throw new Error(
        `${what} ${reason} before it was ready (is its port taken? set TEMPORAL_PORT / TEMPORAL_UI_PORT). Its log (${logFile}) ends:\n  ${tail(logFile)}`,
      );
    }
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
  throw new Error(`${what} at ${address} did not become ready in 60s (${String(lastError)}); see ${logFile}`);
}

/** A server left running by a run that was killed (not stopped) holds the ports: stop it first. */
export async function stopOrphanedServer(pidFile: string, commandLineMark: string, what: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(commandLineMark);
    } catch {
      return false;
    }
  };
  if (alive()) {
    console.warn(`[oms] stopping the ${what} (pid ${pid}) left running by an earlier run`);
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 20_000 && alive(); waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(pidFile, { force: true });
}

function tail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(-5);
    return lines.map((line) => (line.length > 400 ? `${line.slice(0, 400)}...` : line)).join('\n  ');
  } catch {
    return '(no log)';
  }
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
