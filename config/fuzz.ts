import os from 'node:os';
import path from 'node:path';
import type { Env } from './env';

/** `npm run fuzz` (scripts/fuzz.ts); its command line (`--max-examples=`, `--seed=`, `--workers=`) wins over these. */
export interface FuzzSettings {
  /** `OMS_FUZZ_EXAMPLES`: examples per operation. */
  maxExamples: string;
  /** `OMS_FUZZ_SEED`: schemathesis's seed; a random one when unset. */
  seed?: string;
  /** `OMS_FUZZ_WORKERS`: schemathesis's concurrent workers. */
  workers: string;
  /** `OMS_CACHE_DIR`, else `~/.cache/oms`: where schemathesis is installed once. */
  cacheDir: string;
  /** `CI` set: plain output (no colours) for the CI log. */
  ci: boolean;
}

export function fuzzSettings(env: Env = process.env): FuzzSettings {
  return {
    maxExamples: env.OMS_FUZZ_EXAMPLES ?? '20',
    seed: env.OMS_FUZZ_SEED,
    workers: env.OMS_FUZZ_WORKERS ?? '1',
    cacheDir: env.OMS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'oms'),
    ci: Boolean(env.CI),
  };
}
