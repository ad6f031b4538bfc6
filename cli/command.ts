import { parseArgs } from 'node:util';

/** A failure the user can act on: printed as is (no stack), with the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Output {
  /** Results (what a script would read). */
  out(text: string): void;
  /** Progress and explanations. */
  err(text: string): void;
  stderrIsTty: boolean;
}

export interface Command {
  /** The words that select it, e.g. `orders place`. */
  name: string;
  summary: string;
  /** The `--help` text after the usage line. */
  help: string;
  usage: string;
  options: OptionSpec;
  positionals?: { min: number; max: number };
  run(args: { values: OptionValues; positionals: string[] }, output: Output): Promise<number | void>;
}

/** Parses a command's arguments with node's parseArgs; mistakes become CliErrors that point to --help. */
export function parseCommandArgs(
  command: Command,
  argv: string[],
): { values: OptionValues; positionals: string[] } | 'help' {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    throw new CliError(
      `${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}\nSee: npx oms ${command.name} --help`,
      2,
    );
  }
  if (parsed.values.help) return 'help';
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new CliError(`usage: npx oms ${command.name} ${command.usage}\nSee: npx oms ${command.name} --help`, 2);
  }
  return parsed;
}

export function helpText(command: Command): string {
  return `usage: npx oms ${command.name} ${command.usage}\n\n${command.summary}\n\n${command.help.replace(/^\n+/, '').trimEnd()}\n`;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(values: OptionValues, name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '')
    throw new CliError(`--${name} is required. See: npx oms ${command} --help`, 2);
  return value;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A positive whole number from an option, or a CliError naming the option. */
export function positiveInteger(text: string, option: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || (!allowZero && value === 0))
    throw new CliError(`${option} must be a ${allowZero ? 'non-negative' : 'positive'} whole number, got "${text}"`, 2);
  return value;
}

/** `SKU:QTY` as in --line. */
export function skuQuantity(text: string, option: string, allowZero = false): { sku: string; quantity: number } {
  const separator = text.lastIndexOf(':');
  if (separator <= 0) throw new CliError(`${option} takes SKU:QTY (e.g. MUG-BLK:2), got "${text}"`, 2);
  return {
    sku: text.slice(0, separator),
    quantity: positiveInteger(text.slice(separator + 1), `${option} ${text}: the quantity`, allowZero),
  };
}
