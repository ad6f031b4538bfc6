import { TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI_SERVER } from '../temporal/server-binaries';
import { cachedGoTool } from '../tools/go-binaries';

/** `npm run temporal-server`: builds what `npm run cluster` runs (server, SQL tool, UI server) into the cache once. */
(async () => {
  for (const tool of [TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI_SERVER])
    console.log(`${tool.name} ${tool.version}: ${await cachedGoTool({ ...tool, onProgress: console.log })}`);
})().catch((error: Error) => {
  console.error(`npm run temporal-server: ${error.message}`);
  process.exit(1);
});
