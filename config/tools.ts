import os from 'node:os';
import path from 'node:path';
import type { Env } from './env';

/** Where the pinned tools (Temporal CLI, Docker Compose, stripe-mock) are looked for and built. */
export interface ToolSettings {
  /** `TEMPORAL_CLI`: a `temporal` binary to use before any other. */
  temporalCli?: string;
  /** `PATH`, split: the directories commands are looked up in. */
  searchPath: string[];
  /** `XDG_CACHE_HOME`, else `~/.cache`: built tools go to its `oms/` folder. */
  cacheHome: string;
  /** `DOCKER_CONFIG`, else `~/.docker`: the docker CLI's plugins are in its `cli-plugins/`. */
  dockerConfigDir: string;
}

export function toolSettings(env: Env = process.env): ToolSettings {
  return {
    temporalCli: env.TEMPORAL_CLI || undefined,
    searchPath: (env.PATH ?? '').split(path.delimiter).filter(Boolean),
    cacheHome: env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    dockerConfigDir: env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'),
  };
}
