import { spawnSync } from 'node:child_process';
import { ensureCompose } from '../tools/docker-compose';

/**
 * `npm run compose -- <args>`: runs `docker compose <args>` with the pinned Compose v2, building it and
 * installing it as a docker CLI plugin first when this machine has none (CI uses it for `config --quiet`).
 */
ensureCompose({ onProgress: (message) => console.error(message) })
  .then((compose) => {
    const args = [...compose.args, ...process.argv.slice(2)];
    if (compose.source !== 'docker compose')
      console.error(`using ${compose.source} compose: ${compose.command} ${compose.args.join(' ')}`);
    const result = spawnSync(compose.command, args, { stdio: 'inherit' });
    process.exit(result.status ?? 1);
  })
  .catch((error: Error) => {
    console.error(`cannot run docker compose: ${error.message}`);
    process.exit(1);
  });
