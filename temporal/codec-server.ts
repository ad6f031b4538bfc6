import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError, parseConfig, type OmsConfig } from '../config';
import { withDataDirSecrets } from '../config/secrets';
import { CodecKeyError, EncryptionCodec } from './codec';

/** Payload batches from the UI are small; this bounds what one request may make the server hold. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The namespace whose payloads this server encodes; a request naming another (`X-Namespace`) is refused. */
  namespace: string;
  /** Browser origins allowed to call it (the Temporal UI's). */
  corsOrigins: string[];
}

/** JSON form of a payload in Temporal's remote codec protocol (proto3 JSON: bytes as base64). */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Temporal's remote codec protocol: `POST /encode` and `POST /decode` with `{"payloads": [...]}`, answered in
 * the same shape. The Temporal Web UI and CLI call it to show decrypted payloads, so it hands out personal
 * data: only operators may reach it (see the README).
 */
export function createCodecServer(options: CodecServerOptions): Server {
  const allowed = new Set(options.corsOrigins);
  return createServer((request, response) => {
    const origin = request.headers.origin;
    if (origin && allowed.has(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    response.setHeader('Vary', 'Origin');
    handle(options, request, response).catch((error: unknown) => {
      // A payload that does not decrypt (unknown key, altered) is the caller's problem; anything else is ours.
      const status = error instanceof BadRequest ? error.status : error instanceof CodecKeyError ? 422 : 500;
      problem(response, status, status === 500 ? 'the codec server failed; see its log' : (error as Error).message);
      if (status === 500) console.error(error);
    });
  });
}

async function handle(options: CodecServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // An endpoint configured with a trailing slash makes the UI ask for `//decode`.
  const path = (request.url ?? '/')
    .split('?')[0]
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  // `/<namespace>/decode` too: the CLI's `--codec-endpoint 'http://host/{namespace}'` template.
  const match = /^(?:\/([^/]+))?\/(encode|decode)$/.exec(path);
  if (!match) throw new BadRequest(404, `no route ${path || '/'}: POST /encode or /decode`);
  const [, pathNamespace, operation] = match;
  if (request.method === 'OPTIONS') {
    response.writeHead(204, {
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
      'Access-Control-Max-Age': '600',
    });
    response.end();
    return;
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST, OPTIONS');
    throw new BadRequest(405, `${request.method} is not allowed: POST ${path}`);
  }
  const header = request.headers['x-namespace'];
  const namespace = pathNamespace ?? (typeof header === 'string' ? header : '');
  if (namespace !== '' && namespace !== options.namespace) {
    throw new BadRequest(403, `this codec server serves namespace "${options.namespace}", not "${namespace}"`);
  }
  const payloads = parsePayloads(await readBody(request));
  const result = operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ payloads: result.map(toJson) }));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest(413, `the body exceeds ${MAX_BODY_BYTES} bytes`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function parsePayloads(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest(400, 'the body must be JSON {"payloads": [...]}');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new BadRequest(400, 'payloads: must be an array');
  return payloads.map((payload: unknown, index) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new BadRequest(400, `payloads[${index}]: must be an object`);
    const { metadata = {}, data = '' } = payload as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      throw new BadRequest(400, `payloads[${index}].metadata: must be an object of base64 strings`);
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([key, value]) => [key, base64(value, `payloads[${index}].metadata.${key}`)]),
      ),
      data: base64(data, `payloads[${index}].data`),
    };
  });
}

function base64(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new BadRequest(400, `${path}: must be a base64 string`);
  return Buffer.from(value, 'base64');
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

function problem(response: ServerResponse, status: number, detail: string): void {
  if (response.headersSent) return void response.end();
  const title =
    (
      {
        400: 'Bad Request',
        403: 'Forbidden',
        404: 'Not Found',
        405: 'Method Not Allowed',
        413: 'Content Too Large',
        422: 'Unprocessable Content',
      } as Record<number, string>
    )[status] ?? 'Internal Server Error';
  response.writeHead(status, { 'Content-Type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

export interface RunningCodecServer {
  /** Where the Temporal UI (`--ui-codec-endpoint`) and CLI (`--codec-endpoint`) reach it. */
  url: string;
  close(): Promise<void>;
}

/** Serves the codec of `config` (its keys and namespace) on `config.codecServer`. */
export async function startCodecServer(
  config: Pick<OmsConfig, 'codecKeys' | 'temporalNamespace' | 'codecServer'>,
): Promise<RunningCodecServer> {
  const { host, port, corsOrigins } = config.codecServer;
  const server = createCodecServer({
    codec: new EncryptionCodec(config.codecKeys),
    namespace: config.temporalNamespace,
    corsOrigins,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`the codec server's port ${port} is taken: set OMS_CODEC_PORT`)
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

if (require.main === module) {
  let config: OmsConfig;
  try {
    config = withDataDirSecrets(parseConfig());
  } catch (error) {
    console.error(error instanceof ConfigError ? `configuration: ${error.message}` : error);
    process.exit(2);
  }
  startCodecServer(config)
    .then((running) => {
      console.log(
        `codec server for namespace "${config.temporalNamespace}" on ${running.url} (CORS: ${config.codecServer.corsOrigins.join(', ')})`,
      );
      console.log(
        `Temporal UI: --ui-codec-endpoint ${running.url}; CLI: temporal workflow show --codec-endpoint ${running.url} ...`,
      );
    })
    .catch((error) => {
      console.error(error instanceof ConfigError ? `configuration: ${error.message}` : error);
      process.exit(1);
    });
}
