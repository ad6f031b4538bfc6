import { Worker } from '@temporalio/worker';
import { runApi } from '../../api/main';
import { parseConfig } from '../../config';
import { withDataDirSecrets } from '../../config/secrets';
import { runWorker } from '../../worker/main';
import { connectWorker } from '../../temporal/connect';
import { lowerCpuPriority } from '../../worker/cpu-priority';
import { installWorkerLogging, WORKER_TUNING } from '../../worker/worker';
import { createCeilingActivities } from './ceiling-activities';
import { CEILING_TASK_QUEUE, type BenchRole, type RoleCommand, type RoleMessage } from './protocol';
import { countQueries } from './query-counter';

/**
 * One process of the bench's system, started by scripts/bench.ts with IPC: `worker` (the production
 * `runWorker`), `api` (the production `runApi`) or `ceiling` (the no-op workflow's worker, tuned like the order
 * worker). Each counts its SQL round trips and samples its own memory, and answers `stats` requests.
 */

async function main(role: BenchRole): Promise<void> {
  const queries = countQueries();
  let peakRss = 0;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage.rss()));
  setInterval(sample, 250).unref();

  const config = withDataDirSecrets(parseConfig());
  // scripts/bench/system.ts starts every role with both set.
  const targets = { databaseUrl: config.databaseUrl!, temporalAddress: config.temporalAddress! };
  let stop: () => Promise<void>;
  // As `npm run worker` runs: below the API in CPU priority.
  if (role !== 'api') lowerCpuPriority(config.backgroundNiceness);
  if (role === 'worker') {
    const running = await runWorker(config, targets);
    stop = running.shutdown;
  } else if (role === 'api') {
    const api = await runApi(config, targets);
    stop = api.close;
  } else {
    installWorkerLogging('WARN');
    // As the order worker connects, so the two are compared on equal terms.
    const connection = await connectWorker(config, targets.temporalAddress);
    const worker = await Worker.create({
      ...WORKER_TUNING,
      connection,
      namespace: config.temporalNamespace,
      taskQueue: CEILING_TASK_QUEUE,
      workflowsPath: require.resolve('../../workflows/bench/ceiling.workflow'),
      activities: createCeilingActivities(),
    });
    const done = worker.run();
    stop = async () => {
      worker.shutdown();
      await done;
      await connection.close();
    };
  }

  const send = (message: RoleMessage) => process.send!(message);
  process.on('message', (command: RoleCommand) => {
    if (command.type === 'stats') {
      sample();
      const memory = process.memoryUsage();
      send({
        type: 'stats',
        queries: queries(),
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, peakRssBytes: peakRss },
      });
      if (command.resetPeak) peakRss = 0;
    } else if (command.type === 'stop') {
      stop().then(
        // process.exit (not a signal), so `node --cpu-prof` writes its profile.
        () => process.exit(0),
        (error) => {
          console.error(`[bench ${role}] stopping failed:`, error);
          process.exit(1);
        },
      );
    }
  });
  send({ type: 'ready' });
}

const role = process.argv[2] as BenchRole;
if (!['worker', 'api', 'ceiling'].includes(role)) {
  console.error('usage: role-process.ts worker|api|ceiling (started by scripts/bench.ts)');
  process.exit(2);
}
main(role).catch((error) => {
  console.error(`[bench ${role}]`, error);
  process.exit(1);
});
