/** Where the shared test servers are: set by the global setup, read by every test file (through the environment). */
export interface SharedServers {
  postgresUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  workflowBundlePath: string;
  cliPath: string;
  workDir: string;
}

const VARIABLE = 'OMS_TEST_SERVERS';

export function setSharedServers(servers: SharedServers): void {
  process.env[VARIABLE] = JSON.stringify(servers);
}

export function sharedServers(): SharedServers {
  const raw = process.env[VARIABLE];
  if (!raw) throw new Error('integration tests run under jest with test/support/global-setup.ts (npm test)');
  return JSON.parse(raw) as SharedServers;
}
