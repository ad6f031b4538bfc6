import { parseConfig } from '../config';
import { createDb } from './connection';
import { migrateToLatest } from './migrate';

/** `npm run migrate`: brings DATABASE_URL's schema up to date. */
async function main() {
  const { databaseUrl } = parseConfig();
  if (!databaseUrl) throw new Error('set DATABASE_URL (npm start migrates the embedded database itself)');
  const db = createDb(databaseUrl, { poolMax: 1 });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
