import express, { type Request, type RequestHandler, type Response } from 'express';
import type { RawBodyRequest } from './deps';

/** The largest body of any request but a batch. */
const BODY_LIMIT = '1mb';
/** A batch of up to 1000 orders, as JSON or CSV: addresses and several lines per row outgrow 1 MB. */
const BATCH_BODY_LIMIT = '5mb';

/** `POST /v1/orders/batch`, as the router matches it (any case, a trailing slash). */
export const isBatchRequest = (req: Request) => req.path.replace(/\/+$/, '').toLowerCase() === '/v1/orders/batch';

const json = express.json({
  limit: BODY_LIMIT,
  strict: true,
  // The raw bytes are kept for webhook signatures (HMAC over the body exactly as sent).
  verify: (req, _res, raw) => ((req as RawBodyRequest).rawBody = raw),
});

/** Every JSON body, read before the routes; a batch's is left to `readBatchBody`, in its route. */
export const jsonBodies: RequestHandler = (req, res, next) => (isBatchRequest(req) ? next() : json(req, res, next));

const batchParsers = [
  express.json({ limit: BATCH_BODY_LIMIT, strict: true }),
  express.text({ type: 'text/csv', limit: BATCH_BODY_LIMIT }),
];

/**
 * Reads a batch's body (JSON or CSV) into `req.body`, or throws the parser's refusal (413, 400). Its route calls it
 * once the caller is known to be allowed and the batch has its turn: no one without a key makes the API read 5 MB.
 */
export async function readBatchBody(req: Request, res: Response): Promise<void> {
  for (const parser of batchParsers)
    await new Promise<void>((resolve, reject) =>
      parser(req, res, (error?: unknown) => (error ? reject(error as Error) : resolve())),
    );
}
