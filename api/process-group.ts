import cluster from 'node:cluster';

/**
 * Several API processes sharing one port (`OMS_API_PROCESSES`): this process forks them with node:cluster, hands
 * them connections round-robin, starts one again when it exits, and stops them all on SIGINT/SIGTERM. Each child
 * runs this same entry module and serves as a single API process would (the API is stateless).
 */
export async function runApiProcessGroup(count: number): Promise<void> {
  let stopping = false;
  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = cluster.fork();
      child.once('listening', () => resolve());
      child.once('exit', (code, signal) => {
        reject(new Error(`an API process exited (${signal ?? code}) before it listened`));
        if (stopping) return;
        console.error(`[oms] API process ${child.process.pid} exited (${signal ?? code}): starting another`);
        setTimeout(() => void fork().catch((error: Error) => console.error(`[oms] ${error.message}`)), 1_000);
      });
    });
  const stop = () => {
    stopping = true;
    const children = Object.values(cluster.workers ?? {}).filter((child) => child && !child.isDead());
    if (children.length === 0) process.exit(0);
    for (const child of children)
      child!.once('exit', () => {
        if (Object.values(cluster.workers ?? {}).every((other) => !other || other.isDead())) process.exit(0);
      });
    for (const child of children) child!.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await Promise.all(Array.from({ length: count }, fork));
}
