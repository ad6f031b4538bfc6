import { fork, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../../worker/workflow-threads';
import type { BenchRole, RoleCommand, RoleMessage, RoleStats } from './protocol';

export interface RoleChild {
  role: BenchRole;
  pid: number;
  stats(options?: { resetPeak?: boolean }): Promise<RoleStats>;
  stop(): Promise<void>;
}

/**
 * Starts scripts/bench/role-process.ts as a child (its own process, so its memory and SQL count are its own)
 * and waits until it is serving. `nodeFlags` go to that node only (e.g. `--cpu-prof`).
 */
export async function startRole(
  role: BenchRole,
  env: NodeJS.ProcessEnv,
  options: { nodeFlags?: string[]; readyTimeoutMs?: number } = {},
): Promise<RoleChild> {
  const child: ChildProcess = fork(require.resolve('./role-process'), [role], {
    env,
    execArgv: ['--import', 'tsx', ...(role === 'api' ? [] : WORKER_NODE_FLAGS), ...(options.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
      resolve();
    }),
  );
  const next = (type: RoleMessage['type'], timeoutMs: number) =>
    new Promise<RoleMessage>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`bench ${role}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: RoleMessage) => message.type === type && done(undefined, message);
      const onExit = () => done(new Error(`bench ${role} ${exited} before "${type}"`));
      function done(error?: Error, message?: RoleMessage) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      }
      if (exited) return done(new Error(`bench ${role} ${exited}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const send = (command: RoleCommand) => child.send(command);

  await next('ready', options.readyTimeoutMs ?? 180_000);
  return {
    role,
    pid: child.pid!,
    async stats(statsOptions = {}) {
      const reply = next('stats', 30_000);
      send({ type: 'stats', resetPeak: statsOptions.resetPeak });
      const { queries, memory } = (await reply) as Extract<RoleMessage, { type: 'stats' }>;
      return { queries, memory };
    },
    async stop() {
      if (exited) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
