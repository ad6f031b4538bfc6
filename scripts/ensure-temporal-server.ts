import { temporalServerBinaries } from '../temporal/server-binaries';

/** `npm run temporal-server`: builds what `npm run cluster` runs (server, SQL tool, UI server) into the cache once. */
temporalServerBinaries(console.log)
  .then((binaries) => {
    for (const [name, binary] of Object.entries(binaries)) console.log(`${name}: ${binary}`);
  })
  .catch((error: Error) => {
    console.error(`npm run temporal-server: ${error.message}`);
    process.exit(1);
  });
