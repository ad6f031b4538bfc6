import { cliVersion, resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../temporal/cli';

/** `npm run temporal-cli`: finds the Temporal CLI or builds the pinned version into the cache (CI runs this first). */
resolveTemporalCli({ onProgress: (message) => console.log(message) })
  .then((cli) => {
    if (!cli) {
      console.error(
        `No Temporal CLI and no Go to build ${TEMPORAL_CLI_VERSION}: install Go, or set TEMPORAL_CLI to a temporal binary.`,
      );
      process.exit(1);
    }
    console.log(`Temporal CLI (${cli.source}): ${cli.path}\n${cliVersion(cli.path)}`);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
