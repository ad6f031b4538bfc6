import type { IsolatedSystem } from './isolated-system';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WorkerKillOptions {
  /** How long a worker runs once ready before its next kill -9, +-50 %. */
  killEveryMs: number;
  /** At most this many kills (Infinity: until `done`). */
  maxKills: number;
  random: () => number;
  /** The run is over (or interrupted): stop killing. */
  done: () => boolean;
  /** Told just before each kill, and once the new worker is up. */
  onKilling?: () => void;
  onRestarted?: () => void;
}

/**
 * `kill -9`s the system's worker and starts it again, again and again. Each worker runs ~`killEveryMs`, and at
 * least until it has moved some order on (a new timeline entry): a worker killed before it finishes any workflow
 * task would leave every order waiting in ever more task attempts, a livelock no real outage causes.
 */
export async function killWorkerRepeatedly(system: IsolatedSystem, options: WorkerKillOptions): Promise<void> {
  const { workers, db } = system;
  const timelineEntries = async () => Number((await db('order_events').count({ n: '*' }).first())?.n ?? 0);
  const stop = () => options.done() || system.interrupted;
  while (!stop() && workerFigures(system).kills < options.maxKills) {
    const before = await timelineEntries().catch(() => 0);
    await sleep(options.killEveryMs * (0.5 + options.random()));
    while (!stop() && (await timelineEntries().catch(() => -1)) <= before) await sleep(500);
    if (stop()) break;
    // With several workers, one of them at random: the others go on polling meanwhile.
    const worker = workers[Math.floor(options.random() * workers.length)];
    options.onKilling?.();
    await worker.kill9();
    await system.ensureRunning(worker);
    options.onRestarted?.();
  }
}

/** Kills, starts and crashes summed over the system's workers. */
export function workerFigures(system: IsolatedSystem): { kills: number; starts: number; crashes: number } {
  return system.workers.reduce(
    (sum, worker) => ({
      kills: sum.kills + worker.kills,
      starts: sum.starts + worker.starts,
      crashes: sum.crashes + worker.crashes,
    }),
    { kills: 0, starts: 0, crashes: 0 },
  );
}
