import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../temporal/server-binaries';

/** `npm run cluster` builds the very versions docker-compose.yml runs: one pin each, kept together. */
describe('Temporal versions of npm run cluster and docker-compose.yml', () => {
  const compose = readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8');
  const imageTag = (image: string) => new RegExp(`image: ${image}:(\\S+)`).exec(compose)?.[1];

  it('are the same server and UI versions', () => {
    expect(`v${imageTag('temporalio/server')}`).toBe(TEMPORAL_SERVER_VERSION);
    expect(`v${imageTag('temporalio/admin-tools')}`).toMatch(new RegExp(`^${TEMPORAL_SERVER_VERSION}-`));
    expect(`v${imageTag('temporalio/ui')}`).toBe(TEMPORAL_UI_VERSION);
  });

  it('set up the schemas with the same temporal-sql-tool steps', () => {
    const clusterSteps = readFileSync(path.join(__dirname, '../../temporal/server.ts'), 'utf8');
    for (const step of [
      "'create-database'",
      "'setup-schema', '-v', '0.0'",
      "'postgresql/v12/temporal'",
      "'postgresql/v12/visibility'",
    ])
      expect(clusterSteps).toContain(step);
    for (const step of [
      'create-database',
      'setup-schema -v 0.0',
      'update-schema --schema-name postgresql/v12/temporal',
      'update-schema --schema-name postgresql/v12/visibility',
    ])
      expect(compose).toContain(step);
  });

  it('give the server the dynamic config file the cluster uses', () => {
    expect(compose).toContain('./deploy/temporal/dynamicconfig:/etc/temporal/config/dynamicconfig');
    expect(compose).toContain('DYNAMIC_CONFIG_FILE_PATH: config/dynamicconfig/oms.yaml');
  });
});
