import { parseConfig } from '../config';
import { createDb } from './connection';
import { seedDemo } from './seed-demo';

/** `npm run seed`: loads the demo data into DATABASE_URL (idempotent). */
async function main() {
  const { databaseUrl } = parseConfig();
  if (!databaseUrl) throw new Error('set DATABASE_URL (npm start seeds the embedded database itself)');
  const db = createDb(databaseUrl, { poolMax: 1 });
  try {
    await seedDemo(db);
    console.log('demo data loaded');
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
