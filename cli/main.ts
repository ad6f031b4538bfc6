import { ApiError } from './api-client';
import { CliError, helpText, parseCommandArgs, type Command, type Output } from './command';
import { inventoryReceiveCommand } from './commands/inventory-receive';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './commands/keys';
import { ordersApproveCommand } from './commands/orders-approve';
import { ordersImportCommand } from './commands/orders-import';
import { ordersPlaceCommand } from './commands/orders-place';
import { seedCommand } from './commands/seed';

const COMMANDS: Command[] = [
  ordersPlaceCommand,
  ordersImportCommand,
  ordersApproveCommand,
  inventoryReceiveCommand,
  seedCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `usage: npx oms <command> [options]     (npx oms <command> --help for its options)

${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary.split(/(?<=\.) (?=[A-Z])/)[0]}`).join('\n')}

API commands talk to OMS_API_URL (default http://localhost:3000, the API of npm start) with the key in
OMS_API_KEY (or --key). seed and keys work on the database: DATABASE_URL, else npm start's data dir.
`;
}

/** `npx oms ...` (bin/oms.js): picks the command by its words, parses its options, runs it. */
async function main(argv: string[], output: Output): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    output.out(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name.split(' ').every((word, index) => argv[index] === word));
  if (!command) {
    const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${argv[0]} `));
    throw new CliError(
      group.length > 0 && (argv.length === 1 || argv[1] === '--help')
        ? `npx oms ${argv[0]} <${group.map((candidate) => candidate.name.split(' ')[1]).join('|')}>: see npx oms ${group[0].name} --help`
        : `unknown command "${argv.slice(0, 2).join(' ')}". Commands:\n${overview()}`,
      2,
    );
  }
  const args = parseCommandArgs(command, argv.slice(command.name.split(' ').length));
  if (args === 'help') {
    output.out(helpText(command));
    return 0;
  }
  return (await command.run(args, output)) ?? 0;
}

const output: Output = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

// An explicit exit: a pool or a PostgreSQL started for the command would otherwise keep the process alive.
main(process.argv.slice(2), output).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError) {
      output.err(error instanceof ApiError ? error.message : `oms: ${error.message}`);
      process.exit(error.exitCode);
    }
    output.err(`oms: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
