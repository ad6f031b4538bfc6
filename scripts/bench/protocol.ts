import type { QueryCounts } from './query-counter';

/** The processes of the bench's system (scripts/bench/role-process.ts) and what they say over IPC. */
export type BenchRole = 'worker' | 'api' | 'ceiling';

export const CEILING_TASK_QUEUE = 'bench-ceiling';

export interface RoleStats {
  queries: QueryCounts;
  memory: { rssBytes: number; heapUsedBytes: number; peakRssBytes: number };
}

export type RoleMessage = { type: 'ready' } | ({ type: 'stats' } & RoleStats);
export type RoleCommand = { type: 'stats'; resetPeak?: boolean } | { type: 'stop' };
