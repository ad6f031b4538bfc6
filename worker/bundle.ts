import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

/** The bundler's progress lines are noise for a person running tests or a chaos run: warnings and errors only. */
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/**
 * Bundles the workflows once into `file`, for workers started with `workflowBundle: { codePath }` (tests) or
 * `OMS_WORKFLOW_BUNDLE` (`npm run worker`), so each start skips the bundling.
 */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  writeFileSync(file, bundle.code);
}
