import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { ApiClient, API_OPTIONS, API_OPTIONS_HELP } from '../api-client';
import { CliError, positiveInteger, stringOption, type Command } from '../command';
import { progressBar } from '../progress';

interface BatchReply {
  accepted: number;
  rejected: number;
  results: {
    index: number;
    id?: string;
    trackingNumber?: string;
    status?: string;
    errors?: { path: string; message: string }[];
  }[];
}

interface Row {
  /** The CSV text of the row as it is in the file (quoted newlines included). */
  raw: string;
  /** Where the row starts in the file (the header is line 1). */
  line: number;
}

const MAX_CHUNK = 1000; // the API's batch limit

export const ordersImportCommand: Command = {
  name: 'orders import',
  usage: 'FILE.csv [--chunk-size N] [--idempotency-key K]',
  summary: 'Places the orders of a CSV file through POST /v1/orders/batch (role sales), in chunks, and sums up.',
  help: `The columns are those of the batch API (README, "Batch orders"):
  customerId,lines,paymentMethod,paymentToken,backorderPolicy,expedite,promotionCode,
  shipName,shipLine1,shipLine2,shipCity,shipRegion,shipPostalCode,shipCountry,channel,externalId
with lines as SKU:QTY;SKU:QTY (metadata is JSON only). A bad row is reported with its line and never stops the others.

  --chunk-size N         rows per request (default 100, at most ${MAX_CHUNK})
  --idempotency-key K    default: derived from the file's content, so running the same file again (say after
                         a network error) places no row twice; pass another key to place the same file again.
                         Keep the chunk size when you retry.
${API_OPTIONS_HELP}

Progress goes to stderr when it is a terminal. Exits 1 when a row was rejected.`,
  options: { 'chunk-size': { type: 'string' }, 'idempotency-key': { type: 'string' }, ...API_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals: [file] }, output) {
    const chunkSize = positiveInteger(stringOption(values, 'chunk-size') ?? '100', '--chunk-size');
    if (chunkSize > MAX_CHUNK) throw new CliError(`--chunk-size is at most ${MAX_CHUNK} (the API's batch limit)`, 2);
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const { header, rows } = splitCsv(text, file);
    const key =
      stringOption(values, 'idempotency-key') ?? `csv-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    const api = ApiClient.from(values);

    const bar = progressBar(rows.length, output.stderrIsTty);
    const placed: BatchReply['results'] = [];
    const rejected: { line: number; errors: { path: string; message: string }[] }[] = [];
    let done = 0;
    bar.update(0, 'orders');
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      let reply: BatchReply;
      try {
        reply = await api.request<BatchReply>('POST', '/v1/orders/batch', {
          csv: header + chunk.map((row) => row.raw).join(''),
          headers: { 'idempotency-key': `${key}:${start}` },
        });
      } catch (error) {
        bar.finish();
        const sofar = `${done} of ${rows.length} rows sent (${placed.length} placed, ${rejected.length} rejected) before this error`;
        throw new CliError(
          `${(error as Error).message}\n${sofar}. Running the same command again places no row twice.`,
        );
      }
      for (const result of reply.results) {
        if (result.errors) rejected.push({ line: chunk[result.index].line, errors: result.errors });
        else placed.push(result);
      }
      done += chunk.length;
      bar.update(done, `orders (${placed.length} placed, ${rejected.length} rejected)`);
    }
    bar.finish();

    if (values.json) output.out(JSON.stringify({ file, rows: rows.length, placed, rejected }, null, 2));
    else {
      output.out(`${file}: ${rows.length} rows, ${placed.length} placed, ${rejected.length} rejected`);
      for (const row of rejected)
        output.out(`  line ${row.line}: ${row.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`);
    }
    return rejected.length > 0 ? 1 : 0;
  },
};

/** The header line and each row's own text, so chunks are sent exactly as written in the file. */
function splitCsv(text: string, file: string): { header: string; rows: Row[] } {
  let records: { raw: string; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      raw: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new CliError(`${file} is not valid CSV: ${(error as Error).message}`);
  }
  if (records.length < 2) throw new CliError(`${file} has no rows: it needs a header line and one order per line`);
  const withNewline = (raw: string) => (raw.endsWith('\n') ? raw : `${raw}\n`);
  return {
    header: withNewline(records[0].raw.replace(/^[\r\n]+/, '')),
    rows: records.slice(1).map(({ raw, info }) => {
      const row = raw.replace(/^[\r\n]+/, '');
      // info.lines is where the record ends; a quoted value may span lines.
      return { raw: withNewline(row), line: info.lines - (row.replace(/\r?\n$/, '').match(/\n/g) ?? []).length };
    }),
  };
}
