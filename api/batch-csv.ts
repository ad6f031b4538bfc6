import { parse as parseCsv } from 'csv-parse/sync';
import { badRequest } from './problem';
import { MAX_BATCH_ROWS } from './schemas';

/**
 * The CSV body of `POST /v1/orders/batch`: its columns, one order per row. `lines` holds `SKU:QTY` pairs separated
 * by `;`; the shipping address columns are all given or all left empty (then the customer's address is used).
 * `channel` and `externalId` as in JSON (an empty channel is `api`); `metadata` is JSON-only (a map does not fit a cell).
 */
export const CSV_COLUMNS = [
  'customerId',
  'lines',
  'paymentMethod',
  'paymentToken',
  'backorderPolicy',
  'expedite',
  'promotionCode',
  'shipName',
  'shipLine1',
  'shipLine2',
  'shipCity',
  'shipRegion',
  'shipPostalCode',
  'shipCountry',
  'channel',
  'externalId',
] as const;

/** Turns CSV text into order bodies shaped like the JSON ones, so both go through the same schema. */
export function ordersFromCsv(text: string): unknown[] {
  let records: Record<string, string>[];
  try {
    // One record past the limit is enough to refuse the batch, so a file of 250 000 rows is not read to its end.
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, to: MAX_BATCH_ROWS + 1 }) as Record<
      string,
      string
    >[];
  } catch (error) {
    throw badRequest(`the CSV cannot be read: ${(error as Error).message}`, [
      { path: 'body', message: 'malformed CSV' },
    ]);
  }
  const unknown = Object.keys(records[0] ?? {}).filter(
    (column) => !(CSV_COLUMNS as readonly string[]).includes(column),
  );
  if (unknown.length > 0)
    throw badRequest(`unknown CSV columns: ${unknown.join(', ')}; expected ${CSV_COLUMNS.join(', ')}`, [
      { path: 'body', message: 'unknown columns' },
    ]);
  const value = (text: string | undefined) => (text === undefined || text === '' ? undefined : text);
  return records.map((record) => ({
    customerId: value(record.customerId),
    lines: (record.lines ?? '')
      .split(';')
      .filter((entry) => entry.trim())
      .map((entry) => {
        const [sku, quantity] = entry.split(':').map((part) => part.trim());
        return {
          sku,
          quantity: quantity !== undefined && /^-?\d+(\.\d+)?$/.test(quantity) ? Number(quantity) : quantity,
        };
      }),
    payment: { method: value(record.paymentMethod), token: value(record.paymentToken) },
    backorderPolicy: value(record.backorderPolicy),
    expedite: record.expedite ? record.expedite.toLowerCase() === 'true' : undefined,
    promotionCode: value(record.promotionCode),
    shippingAddress: value(record.shipName)
      ? {
          name: record.shipName,
          line1: value(record.shipLine1),
          line2: value(record.shipLine2),
          city: value(record.shipCity),
          region: value(record.shipRegion),
          postalCode: value(record.shipPostalCode),
          country: value(record.shipCountry),
        }
      : undefined,
    channel: value(record.channel),
    externalId: value(record.externalId),
  }));
}
