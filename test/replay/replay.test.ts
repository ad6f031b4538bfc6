import { Worker } from '@temporalio/worker';
import { sharedServers } from '../support/servers';
import { omsDataConverter } from '../../temporal/connect';
import { installWorkerLogging } from '../../worker/worker';
import { RECORDING_CODEC_KEYS, loadRecordedHistories } from './histories';

/**
 * Replay safety: every recorded history (test/replay/histories, recorded by `npm run record-histories`) must
 * replay on today's workflow code without a nondeterminism error. A change that would break orders already
 * running fails here; guard it with `patched()` (README, "Changing workflow code").
 */
const SCENARIOS = [
  'happy-path',
  'approval',
  'rejection',
  'backorder',
  'restock',
  'split',
  'cancel',
  'payment-declined',
  'return',
  'return-child',
  'refund',
  'refund-completed-order',
  // Orders with holds and waits that end (patch never-stuck)
  'hold-release',
  'hold-expired',
  'step-failed-held',
  'delivery-timeout',
  'return-after-cancellation',
  'exchange',
  // Recorded by the workflow tests (test/workflow, OMS_RECORD_HISTORIES=1) on in-memory activities.
  'invoice-terms',
  'invalid-order',
  'approval-full',
  'approval-reduced',
  'approval-timeout',
  'cancel-pending',
  'cancel-awaiting-approval',
  'cancel-authorizing',
  'cancel-allocated',
  'cancel-picking',
  'cancel-backordered',
  'cancel-partially-shipped',
  'backorder-partial-resumed',
  'backorder-expired-partial',
  'backorder-expired',
  'wait-all',
  'wait-all-expired',
  'cancel-unavailable',
  'cancel-unavailable-nothing',
  'short-pick',
  'short-pick-backordered',
  'pick-nothing',
  'manual-carrier',
  'refund-lines',
  'refund-completed-lines',
  'refund-invoice-terms',
  'return-refund',
  'return-refund-child',
  'return-closed',
  'exchange-out-of-stock',
  // Edits before picking (test/workflow/edits.test.ts).
  'edit-leaves-approval',
  'edit-reauthorizes',
  'edit-backorder-still-short',
  'edit-then-cancel',
];

describe('replaying recorded histories', () => {
  const histories = loadRecordedHistories();
  beforeAll(() => installWorkerLogging('WARN'));

  it('has a recorded history for every scenario', () => {
    const recorded = new Set(histories.map(({ file }) => file.replace(/\.[^.]+\.json$/, '')));
    expect(SCENARIOS.filter((scenario) => !recorded.has(scenario))).toEqual([]);
  });

  it.each(histories.map((recorded) => [recorded.file, recorded] as const))(
    '%s replays deterministically',
    async (_file, recorded) => {
      const replayOptions = {
        workflowBundle: { codePath: sharedServers().workflowBundlePath },
        dataConverter: omsDataConverter({ codecKeys: RECORDING_CODEC_KEYS }),
      };
      await Worker.runReplayHistory(replayOptions, recorded.history, recorded.workflowId);
    },
  );
});
