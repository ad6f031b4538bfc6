import type { EmbeddedPostgresServer } from '../../db/embedded-postgres';
import type { DevServer } from '../../temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__OMS_TEST_SERVERS__ as
    { postgres: EmbeddedPostgresServer; temporal: DevServer } | undefined;
  if (!servers) return;
  await Promise.all([servers.temporal.stop(), servers.postgres.stop()]);
}
