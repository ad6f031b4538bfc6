import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from './logger';
import { processMetricsText, processRegistry } from './process-metrics';

/**
 * `GET /metrics` for a worker running on its own (`npm run worker`): step durations, order counters, Node.js
 * and the Temporal SDK's worker metrics. With `npm start` the API's `/metrics` includes all of these instead.
 */
export async function serveProcessMetrics(
  port: number,
  host = '0.0.0.0',
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    processMetricsText().then(
      (text) => res.writeHead(200, { 'content-type': processRegistry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics: scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
