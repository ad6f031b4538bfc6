import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { toolSettings, type ToolSettings } from '../config/tools';
import { findOnPath, isExecutable, toolCacheDir } from './go-binaries';

/**
 * The one place the Docker Compose version is pinned. Compose v2 is not in Debian bookworm (only the old
 * Python 1.29), so CI builds it from the Go module proxy. `go install module@version` refuses it: its go.mod
 * has an `exclude` block, and go install only builds modules without replace/exclude directives. So the
 * module is downloaded and built as the main module, the way its own Makefile does.
 */
export const COMPOSE_VERSION = 'v2.40.3';
export const COMPOSE_MODULE = 'github.com/docker/compose/v2';

export function cachedComposePath(settings: ToolSettings = toolSettings()): string {
  return path.join(toolCacheDir('docker-compose', COMPOSE_VERSION, settings), 'docker-compose');
}

/** Where the docker CLI looks for plugins: `$DOCKER_CONFIG/cli-plugins`, default `~/.docker/cli-plugins`. */
export function pluginPath(settings: ToolSettings = toolSettings()): string {
  return path.join(settings.dockerConfigDir, 'cli-plugins', 'docker-compose');
}

export type ComposeCommand = {
  command: string;
  args: string[];
  source: 'docker compose' | 'plugin installed' | 'standalone';
};

/**
 * A working `docker compose`: the one already there, else the pinned build (from the cache, or built now)
 * installed as a docker CLI plugin. Without a docker CLI, the same binary runs standalone.
 */
export async function ensureCompose(
  options: { settings?: ToolSettings; onProgress?: (message: string) => void } = {},
): Promise<ComposeCommand> {
  const settings = options.settings ?? toolSettings();
  const progress = options.onProgress ?? (() => undefined);
  const docker = findOnPath('docker', settings.searchPath);
  if (docker && composeVersion(docker, ['compose', 'version']))
    return { command: docker, args: ['compose'], source: 'docker compose' };

  const binary = cachedComposePath(settings);
  if (!isExecutable(binary)) await buildCompose(binary, settings, progress);
  if (!docker) return { command: binary, args: [], source: 'standalone' };

  const plugin = pluginPath(settings);
  installPlugin(plugin, binary);
  if (!composeVersion(docker, ['compose', 'version']))
    throw new Error(`docker compose still does not run after installing ${plugin} -> ${binary}`);
  return { command: docker, args: ['compose'], source: 'plugin installed' };
}

function composeVersion(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Links the plugin to the cached build; never replaces a plugin that someone else put there. */
function installPlugin(plugin: string, binary: string): void {
  mkdirSync(path.dirname(plugin), { recursive: true });
  if (existsSync(plugin) || isSymlink(plugin)) {
    const ours = isSymlink(plugin) && readlinkSync(plugin).startsWith(path.dirname(path.dirname(binary)));
    if (!ours)
      throw new Error(
        `${plugin} exists but "docker compose" does not work with it; remove it or replace it with ${binary}`,
      );
    rmSync(plugin);
  }
  symlinkSync(binary, plugin);
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

async function buildCompose(
  target: string,
  settings: ToolSettings,
  progress: (message: string) => void,
): Promise<void> {
  if (!findOnPath('go', settings.searchPath))
    throw new Error(`docker compose ${COMPOSE_VERSION} is not built and Go is not installed to build it`);
  const started = Date.now();
  progress(`Building docker compose ${COMPOSE_VERSION} from the Go module proxy (first run only, a few minutes)...`);
  // The module's own go.sum pins every dependency; GOFLAGS=-mod=mod would try to rewrite it in the read-only module cache.
  const goEnv = { ...process.env, GOFLAGS: '', CGO_ENABLED: '0' };
  const download = JSON.parse(
    await runGo(['mod', 'download', '-json', `${COMPOSE_MODULE}@${COMPOSE_VERSION}`], { env: goEnv }),
  ) as { Dir?: string; Error?: string };
  if (!download.Dir)
    throw new Error(`go mod download ${COMPOSE_MODULE}@${COMPOSE_VERSION} failed: ${download.Error ?? 'no directory'}`);
  mkdirSync(path.dirname(target), { recursive: true });
  const ldflags = `-w -X ${COMPOSE_MODULE}/internal.Version=${COMPOSE_VERSION}`;
  await runGo(['build', '-trimpath', '-ldflags', ldflags, '-o', target, './cmd'], {
    env: goEnv,
    cwd: download.Dir,
    progress,
    started,
  });
  progress(`docker compose built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}

function runGo(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; progress?: (message: string) => void; started?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let downloads = 0;
    const ticker =
      options.progress &&
      setInterval(
        () =>
          options.progress!(
            `  ...still building (${Math.round((Date.now() - (options.started ?? 0)) / 1000)}s, ${downloads} modules fetched)`,
          ),
        15_000,
      );
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      downloads += (text.match(/go: downloading/g) ?? []).length;
      stderr = (stderr + text).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (ticker) clearInterval(ticker);
      if (code === 0) resolve(stdout);
      else reject(new Error(`go ${args.join(' ')} failed (exit ${code}):\n${stderr}${stdout.slice(-2000)}`));
    });
  });
}
