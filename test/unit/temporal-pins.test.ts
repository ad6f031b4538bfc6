import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../temporal/server-binaries';

/** `npm run cluster` builds the very versions docker-compose.yml runs: one pin each, kept together. */
describe('Temporal versions of npm run cluster and docker-compose.yml', () => {
  const compose = readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8');
  const imageTag = (image: string) => new RegExp(`image: ${image}:(\\S+)`).exec(compose)?.[1];

  it('are the same server and UI versions', () => {
    expect(`v${imageTag('temporalio/auto-setup')}`).toBe(TEMPORAL_SERVER_VERSION);
    expect(`v${imageTag('temporalio/ui')}`).toBe(TEMPORAL_UI_VERSION);
  });

  it('give the server the dynamic config file the cluster uses', () => {
    expect(compose).toContain('./deploy/temporal/dynamicconfig:/etc/temporal/config/dynamicconfig');
    expect(compose).toContain('DYNAMIC_CONFIG_FILE_PATH: config/dynamicconfig/oms.yaml');
  });
});
