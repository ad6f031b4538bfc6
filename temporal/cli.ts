import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one place the Temporal CLI version is pinned (later versions carry `replace` directives that break `go install`). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Outside the clone, so every checkout and CI run on this machine reuses one build. */
export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'oms', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install';

/**
 * Finds the Temporal CLI in the order of SPEC section 2: `TEMPORAL_CLI`, `temporal` on PATH, the cached
 * build, then `go install` of the pinned version when Go is available. Returns undefined when none works;
 * the caller may then fall back to the SDK's own download, which needs internet.
 */
export async function resolveTemporalCli(
  options: { env?: NodeJS.ProcessEnv; build?: boolean; onProgress?: (message: string) => void } = {},
): Promise<{ path: string; source: CliSource } | undefined> {
  const env = options.env ?? process.env;
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return { path: env.TEMPORAL_CLI, source: 'TEMPORAL_CLI' };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.build === false || !findOnPath('go', env)) return undefined;
  await goInstall(cached, options.onProgress ?? (() => undefined));
  return { path: cached, source: 'go install' };
}

async function goInstall(target: string, onProgress: (message: string) => void): Promise<void> {
  const binDir = path.dirname(target);
  mkdirSync(binDir, { recursive: true });
  onProgress(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only, a few minutes)...`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let downloads = 0;
    const ticker = setInterval(() => onProgress(`  ...still building (${Math.round((Date.now() - started) / 1000)}s, ${downloads} modules fetched)`), 15_000);
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      downloads += (text.match(/go: downloading/g) ?? []).length;
      output = (output + text).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${output}`));
    });
  });
  onProgress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}

function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function cliVersion(cliPath: string): string {
  return execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
}
