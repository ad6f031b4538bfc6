import os from 'node:os';
import type { Db } from '../../db/connection';

/** How many of the orders are in each status now (the read model the workflows write). */
export async function statusCounts(db: Db, ids: readonly string[]): Promise<Record<string, number>> {
  if (ids.length === 0) return {};
  const rows: { status: string; n: number }[] = await db('orders')
    .whereIn('id', ids)
    .groupBy('status')
    .select('status', db.raw('count(*)::int AS n'));
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** When each order first reached each status, from its timeline (written by the workflow as it happens). */
export async function statusTimes(db: Db, ids: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const times = new Map<string, Record<string, number>>();
  for (let from = 0; from < ids.length; from += 5_000) {
    const rows: { order_id: string; status: string; at: Date }[] = await db('order_events')
      .whereIn('order_id', ids.slice(from, from + 5_000))
      .whereNotNull('status')
      .groupBy('order_id', 'status')
      .select('order_id', 'status', db.raw('min(created_at) AS at'));
    for (const row of rows) {
      const record = times.get(row.order_id) ?? {};
      record[row.status] = new Date(row.at).getTime();
      times.set(row.order_id, record);
    }
  }
  return times;
}

export const loadAverage = () => os.loadavg().map((value) => Math.round(value * 100) / 100) as [number, number, number];

/**
 * Polls until `done` says the counts are final or the time is up, printing a progress line: in place on a
 * terminal, every five seconds otherwise. Returns false on timeout.
 */
export async function waitWithProgress(
  label: string,
  read: () => Promise<Record<string, number>>,
  done: (counts: Record<string, number>) => boolean,
  options: { timeoutMs: number; startedAt: number; extra?: () => string; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let lastPrinted = 0;
  for (;;) {
    const counts = await read();
    const finished = done(counts);
    const now = Date.now();
    const line = `[bench] ${label} ${((now - options.startedAt) / 1000).toFixed(0)}s ${options.extra?.() ?? ''}${Object.entries(
      counts,
    )
      .sort()
      .map(([status, n]) => `${status} ${n}`)
      .join(', ')} | load ${loadAverage()[0]}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(120)}${finished ? '\n' : ''}`);
    else if (finished || now - lastPrinted >= 5_000) {
      console.log(line);
      lastPrinted = now;
    }
    if (finished) return true;
    if (now > deadline) {
      if (process.stdout.isTTY) process.stdout.write('\n');
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
