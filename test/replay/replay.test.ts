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
  'exchange',
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
