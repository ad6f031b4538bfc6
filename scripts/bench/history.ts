import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { CeilingCommand, CeilingScript } from '../../workflows/bench/ceiling.workflow';
import { round } from './measure';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryShape {
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  searchAttributeUpserts: number;
  timerMs: number[];
  /** The commands of each workflow task, for the ceiling to replay. */
  script: CeilingScript;
}

const durationMs = (duration: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(duration?.seconds ?? 0) * 1000 + Math.round((duration?.nanos ?? 0) / 1e6);

/**
 * The command an event records and the workflow task that gave it, for the events the ceiling copies. `cancelled`
 * holds the IDs of the timers the order cancelled: the ceiling cancels them too, rather than wait them out (a
 * 30-day delivery timeout).
 */
function commandOf(
  event: HistoryEvent,
  cancelled: ReadonlySet<string>,
): { task: number; command: CeilingCommand } | undefined {
  switch (event.eventType) {
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return {
        task: Number(event.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId),
        command: 'activity',
      };
    case EventType.EVENT_TYPE_MARKER_RECORDED:
      if (event.markerRecordedEventAttributes?.markerName !== 'core_local_activity') return undefined;
      return {
        task: Number(event.markerRecordedEventAttributes.workflowTaskCompletedEventId),
        command: 'localActivity',
      };
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return {
        task: Number(event.upsertWorkflowSearchAttributesEventAttributes!.workflowTaskCompletedEventId),
        command: 'upsert',
      };
    case EventType.EVENT_TYPE_TIMER_STARTED: {
      const { timerId, startToFireTimeout, workflowTaskCompletedEventId } = event.timerStartedEventAttributes!;
      const ms = durationMs(startToFireTimeout);
      return {
        task: Number(workflowTaskCompletedEventId),
        command: timerId && cancelled.has(timerId) ? { startTimer: timerId, ms } : ms,
      };
    }
    case EventType.EVENT_TYPE_TIMER_CANCELED:
      return {
        task: Number(event.timerCanceledEventAttributes!.workflowTaskCompletedEventId),
        command: { cancelTimer: event.timerCanceledEventAttributes!.timerId ?? '' },
      };
    default:
      return undefined;
  }
}

/** What one workflow's history is made of, and the script of commands per workflow task the ceiling replays. */
export async function historyShape(client: Client, workflowId: string): Promise<HistoryShape> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return shapeOf(history.events ?? []);
}

/** What a history is made of (see `historyShape`). */
export function shapeOf(events: HistoryEvent[]): HistoryShape {
  const cancelled = new Set(
    events.flatMap((event) => event.timerCanceledEventAttributes?.timerId ?? []).filter((id) => id !== ''),
  );
  const tasks = new Map<number, CeilingCommand[]>();
  for (const event of events) {
    const found = commandOf(event, cancelled);
    if (found) tasks.set(found.task, [...(tasks.get(found.task) ?? []), found.command]);
  }
  const commands = [...tasks.values()].flat();
  return {
    events: events.length,
    workflowTasks: events.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities: commands.filter((command) => command === 'activity').length,
    localActivities: commands.filter((command) => command === 'localActivity').length,
    searchAttributeUpserts: commands.filter((command) => command === 'upsert').length,
    timerMs: commands.flatMap((command) =>
      typeof command === 'number' ? [command] : typeof command === 'object' && 'ms' in command ? [command.ms] : [],
    ),
    script: [...tasks].sort(([a], [b]) => a - b).map(([, task]) => task),
  };
}

/** History length (events) of each workflow, from the server's own count, `concurrency` at a time. */
export async function historyLengths(
  client: Client,
  workflowIds: readonly string[],
  concurrency = 10,
): Promise<{ mean: number | null; min: number | null; max: number | null; sampled: number }> {
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
  return {
    mean: round(lengths.reduce((a, b) => a + b, 0) / lengths.length),
    min: Math.min(...lengths),
    max: Math.max(...lengths),
    sampled: lengths.length,
  };
}
