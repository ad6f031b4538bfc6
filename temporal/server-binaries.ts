import { cachedGoTool } from '../tools/go-binaries';

/**
 * The production Temporal pieces `npm run cluster` runs, built from the Go module proxy like the CLI and cached
 * outside the clone. The versions are docker-compose.yml's images (temporalio/server, temporalio/ui): one
 * pin each, checked against the compose file by a test.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';

export const TEMPORAL_SERVER = {
  name: 'temporal-server',
  module: 'go.temporal.io/server/cmd/server',
  version: TEMPORAL_SERVER_VERSION,
};
/** The server's schema tool (temporal-sql-tool): creates and updates its PostgreSQL databases. */
export const TEMPORAL_SQL_TOOL = {
  name: 'temporal-sql-tool',
  module: 'go.temporal.io/server/cmd/tools/sql',
  version: TEMPORAL_SERVER_VERSION,
};
export const TEMPORAL_UI_SERVER = {
  name: 'temporal-ui-server',
  module: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_VERSION,
};

/** The cached builds of the three, building those that are missing (`npm run temporal-server` does it ahead). */
export async function temporalServerBinaries(
  onProgress: (message: string) => void,
): Promise<{ server: string; sqlTool: string; ui: string }> {
  return {
    server: await cachedGoTool({ ...TEMPORAL_SERVER, onProgress }),
    sqlTool: await cachedGoTool({ ...TEMPORAL_SQL_TOOL, onProgress }),
    ui: await cachedGoTool({ ...TEMPORAL_UI_SERVER, onProgress }),
  };
}
