import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { toolSettings, type ToolSettings } from '../config/tools';

/** Where built Go tools are cached: outside the clone, so every checkout and CI run on a machine shares them. */
export function toolCacheDir(name: string, version: string, settings: ToolSettings = toolSettings()): string {
  return path.join(settings.cacheHome, 'oms', `${name}-${version}`);
}

/** A pinned Go tool: the cached build, else `go install` into the cache. */
export async function cachedGoTool(options: {
  name: string;
  module: string;
  version: string;
  onProgress?: (message: string) => void;
}): Promise<string> {
  const target = path.join(toolCacheDir(options.name, options.version), options.name);
  if (isExecutable(target)) return target;
  if (!findOnPath('go', toolSettings().searchPath))
    throw new Error(`${options.name} ${options.version} is not built and Go is not installed to build it`);
  await goInstall(`${options.module}@${options.version}`, target, options.onProgress ?? (() => undefined));
  return target;
}

export async function goInstall(
  moduleAtVersion: string,
  target: string,
  onProgress: (message: string) => void,
): Promise<void> {
  const binDir = path.dirname(target);
  mkdirSync(binDir, { recursive: true });
  onProgress(`Building ${moduleAtVersion} with go install (first run only; the Temporal CLI takes a few minutes)...`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', moduleAtVersion], {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let downloads = 0;
    const ticker = setInterval(
      () =>
        onProgress(`  ...still building (${Math.round((Date.now() - started) / 1000)}s, ${downloads} modules fetched)`),
      15_000,
    );
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
      else reject(new Error(`go install ${moduleAtVersion} failed (exit ${code}):\n${output}`));
    });
  });
  // go install names the binary after the package's directory (`server`, `sql`): give it the cache's name.
  const built = path.join(binDir, path.basename(moduleAtVersion.split('@')[0]));
  if (built !== target) renameSync(built, target);
  onProgress(`${path.basename(target)} built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}

export function findOnPath(command: string, searchPath: readonly string[]): string | undefined {
  for (const dir of searchPath) {
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
