import { seedDemo } from '../../db/seed-demo';
import type { Command } from '../command';
import { withDatabase } from '../database';

export const seedCommand: Command = {
  name: 'seed',
  usage: '',
  summary:
    'Loads the demo data (products, warehouses, customers, stock, promotions, tax rates); running it again changes nothing.',
  help: `Database: DATABASE_URL, else the embedded PostgreSQL of npm start's data dir (OMS_DATA_DIR, default ./.oms-data),
whether npm start is running or not. Migrations run first.`,
  options: {},
  async run(_args, output) {
    await withDatabase((db) => seedDemo(db), output.err);
    output.out('demo data loaded');
  },
};
