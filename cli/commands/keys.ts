import { ROLES, type Role } from '../../config';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';
import { CLI_ACTOR } from '../../db/audit';
import { CliError, requiredOption, stringOption, type Command } from '../command';
import { withDatabase } from '../database';

const DATABASE_HELP = `Database: DATABASE_URL, else the embedded PostgreSQL of npm start's data dir (OMS_DATA_DIR, default
./.oms-data), whether npm start is running or not. The API sees new and revoked keys without a restart
(a revoked key that was in use stops working within 30 seconds).`;

export const keysCreateCommand: Command = {
  name: 'keys create',
  usage: '--role ROLE [--label TEXT]',
  summary: 'Creates an API key and prints it once: only its SHA-256 is stored, so it cannot be shown again.',
  help: `  --role ROLE     one of ${ROLES.join(', ')}
  --label TEXT    a note for "keys list" (who or what uses it)

The key goes to stdout alone, so KEY=$(npx oms keys create --role sales) works.
${DATABASE_HELP}`,
  options: { role: { type: 'string' }, label: { type: 'string' } },
  async run({ values }, output) {
    const role = requiredOption(values, 'role', this.name);
    if (!ROLES.includes(role as Role))
      throw new CliError(`--role must be one of ${ROLES.join(', ')}, got "${role}"`, 2);
    const created = await withDatabase(
      (db) => createApiKey(db, role as Role, stringOption(values, 'label'), CLI_ACTOR),
      output.err,
    );
    output.err(`created API key ${created.id} (role ${created.role}). It is shown only now; keep it somewhere safe:`);
    output.out(created.key);
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  usage: '',
  summary: 'Lists the stored API keys: id, role, label, created, revoked (never the keys themselves).',
  help: `Keys given in OMS_API_KEYS are not stored and not listed.\n${DATABASE_HELP}`,
  options: {},
  async run(_args, output) {
    const keys = await withDatabase((db) => listApiKeys(db), output.err);
    if (keys.length === 0) return output.out('no stored API keys (npx oms keys create --role <role> makes one)');
    const rows = [
      ['id', 'role', 'created', 'revoked', 'label'],
      ...keys.map((key) => [key.id, key.role, key.createdAt, key.revokedAt ?? '-', key.label ?? '']),
    ];
    const widths = rows[0].map((_cell, column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows)
      output.out(
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd(),
      );
  },
};

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  usage: 'ID',
  summary: 'Revokes a stored API key by its id (see keys list), e.g. one that was lost or leaked.',
  help: DATABASE_HELP,
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ positionals: [id] }, output) {
    const revoked = await withDatabase((db) => revokeApiKey(db, id, CLI_ACTOR), output.err);
    if (!revoked) throw new CliError(`no active key ${id} (npx oms keys list shows the ids)`);
    output.out(`revoked ${id}`);
  },
};
