import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by each part of the bench's process tree (Linux /proc; empty elsewhere). */
export type CpuSeconds = Record<string, number>;

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux the bench runs on

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime of the process and of its children it has reaped, in ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state)
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
    return { pid, comm, ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * CPU used by this process and everything under it, by part: `postgres` (server and backends), `temporal` (the
 * dev server), each named child (worker, API), and `bench` (this process: the load generator). CPU time is the
 * measure that the other work on a shared machine disturbs least.
 */
export function cpuSeconds(named: Record<string, number | undefined>): CpuSeconds {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return {};
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const names = new Map(
    Object.entries(named)
      .filter((entry): entry is [string, number] => entry[1] !== undefined)
      .map(([name, pid]) => [pid, name]),
  );
  // The part is named by the nearest ancestor that names one; a process not under this one is someone else's
  // (other PostgreSQL and Temporal servers may run on the machine).
  const partOf = (stat: ProcStat): string | undefined => {
    let part: string | undefined;
    for (let current: ProcStat | undefined = stat; current; current = stats.get(current.ppid)) {
      if (current.pid === process.pid) return part ?? 'bench';
      part ??=
        names.get(current.pid) ??
        (current.comm === 'postgres' || current.comm === 'temporal' ? current.comm : undefined);
    }
    return undefined;
  };
  const totals: CpuSeconds = {};
  for (const stat of stats.values()) {
    const part = partOf(stat);
    if (part) totals[part] = (totals[part] ?? 0) + stat.ticks / TICKS_PER_SECOND;
  }
  return totals;
}

/**
 * CPU milliseconds per unit of work (order, workflow) each part used between two readings, and `system`: the sum
 * of every part but the bench's own load generator.
 */
export function cpuMsPer(units: number, before: CpuSeconds, after: CpuSeconds): Record<string, number> {
  const per: Record<string, number> = {};
  let system = 0;
  for (const [part, seconds] of Object.entries(after)) {
    const ms = (Math.max(0, seconds - (before[part] ?? 0)) * 1000) / Math.max(units, 1);
    per[part] = Math.round(ms * 10) / 10;
    if (part !== 'bench') system += ms;
  }
  per.system = Math.round(system * 10) / 10;
  return per;
}
