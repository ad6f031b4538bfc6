import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopOrphanedServer, stopProcess } from './dev-server';
import type { ServerProcess } from './server';

/**
 * The Temporal Web UI server (the temporalio/ui image's program), pointed at a Temporal server and at the codec
 * server that decrypts payloads in the operator's browser. Waits until it serves its page.
 */
export async function startUiServer(options: {
  binary: string;
  /** Its configuration, log and pid file go here. */
  dir: string;
  port: number;
  temporalAddress: string;
  namespace: string;
  codecEndpoint: string;
}): Promise<ServerProcess> {
  const configDir = path.join(options.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  // YAML is a superset of JSON: the UI server reads this as its production.yaml.
  writeFileSync(
    path.join(configDir, 'production.yaml'),
    JSON.stringify(
      {
        temporalGrpcAddress: options.temporalAddress,
        host: '127.0.0.1',
        port: options.port,
        enableUi: true,
        defaultNamespace: options.namespace,
        codec: { endpoint: options.codecEndpoint },
      },
      null,
      2,
    ),
  );
  const logFile = path.join(options.dir, 'temporal-ui.log');
  const pidFile = path.join(options.dir, 'temporal-ui.pid');
  await stopOrphanedServer(pidFile, options.binary, 'Temporal UI server');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(options.binary, ['--root', options.dir, '--config', 'config', '--env', 'production', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) writeFileSync(pidFile, String(child.pid));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const address = `http://localhost:${options.port}`;
  const stop = async () => {
    await stopProcess(child);
    rmSync(pidFile, { force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the Temporal UI server exited (${child.exitCode}): is port ${options.port} taken? See ${logFile}`,
      );
    const served = await fetch(address).then(
      (response) => response.ok,
      () => false,
    );
    if (served) return { address, process: child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal UI server did not answer on ${address} in 30 s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
