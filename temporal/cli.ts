import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { toolSettings, type ToolSettings } from '../config/tools';
import { findOnPath, goInstall, isExecutable, toolCacheDir } from '../tools/go-binaries';

/** The one place the Temporal CLI version is pinned (later versions carry `replace` directives that break `go install`). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Outside the clone, so every checkout and CI run on this machine reuses one build. */
export function cachedCliPath(settings: ToolSettings = toolSettings()): string {
  return path.join(toolCacheDir('temporal-cli', TEMPORAL_CLI_VERSION, settings), 'temporal');
}

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install';

/**
 * Finds the Temporal CLI in the order of SPEC section 2: `TEMPORAL_CLI`, `temporal` on PATH, the cached
 * build, then `go install` of the pinned version when Go is available. Returns undefined when none works;
 * the caller may then fall back to the SDK's own download, which needs internet.
 */
export async function resolveTemporalCli(
  options: { settings?: ToolSettings; build?: boolean; onProgress?: (message: string) => void } = {},
): Promise<{ path: string; source: CliSource } | undefined> {
  const settings = options.settings ?? toolSettings();
  if (settings.temporalCli) {
    if (!isExecutable(settings.temporalCli))
      throw new Error(`TEMPORAL_CLI=${settings.temporalCli} is not an executable file`);
    return { path: settings.temporalCli, source: 'TEMPORAL_CLI' };
  }
  const onPath = findOnPath('temporal', settings.searchPath);
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = cachedCliPath(settings);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.build === false || !findOnPath('go', settings.searchPath)) return undefined;
  await goInstall(`${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`, cached, options.onProgress ?? (() => undefined));
  return { path: cached, source: 'go install' };
}

export function cliVersion(cliPath: string): string {
  return execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
}
