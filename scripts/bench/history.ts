import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { CeilingShape } from '../../workflows/bench/ceiling.workflow';
import { round } from './measure';

const { EventType } = temporal.api.enums.v1;

export interface HistoryShape extends CeilingShape {
  events: number;
  workflowTasks: number;
  searchAttributeUpserts: number;
}

/** What one workflow's history is made of: the counts the ceiling workflow copies, and the events in all. */
export async function historyShape(client: Client, workflowId: string): Promise<HistoryShape> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((event) => event.eventType === type).length;
  return {
    events: events.length,
    workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    localActivities: events.filter((event) => event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && event.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    timerMs: events
      .filter((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED)
      .map((event) => {
        const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
        return Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6);
      }),
    searchAttributeUpserts: count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
  };
}

/** History length (events) of each workflow, from the server's own count, `concurrency` at a time. */
export async function historyLengths(client: Client, workflowIds: readonly string[], concurrency = 10): Promise<{ mean: number | null; min: number | null; max: number | null; sampled: number }> {
  const lengths: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < workflowIds.length) {
        const id = workflowIds[next++];
        lengths.push((await client.workflow.getHandle(id).describe()).historyLength);
      }
    }),
  );
  if (lengths.length === 0) return { mean: null, min: null, max: null, sampled: 0 };
  return { mean: round(lengths.reduce((a, b) => a + b, 0) / lengths.length), min: Math.min(...lengths), max: Math.max(...lengths), sampled: lengths.length };
}
