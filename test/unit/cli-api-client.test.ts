import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, retryAfterMs } from '../../cli/api-client';

describe("the CLI's API client", () => {
  it('sends a request the API was too busy to take (429) again after Retry-After', async () => {
    const seen: string[] = [];
    const read = async (req: IncomingMessage) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      return text;
    };
    const server = createServer(async (req, res) => {
      seen.push(`${req.headers['idempotency-key']} ${await read(req)}`);
      if (seen.length === 1) {
        res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '1' });
        return res.end(JSON.stringify({ status: 429, detail: 'busy' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: 1 }));
    });
    server.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'key');
      const startedAt = Date.now();
      const reply = await client.request('POST', '/v1/orders/batch', {
        csv: 'a,b\n',
        headers: { 'idempotency-key': 'k:0' },
      });
      expect(reply).toEqual({ accepted: 1 });
      expect(seen).toEqual(['k:0 a,b\n', 'k:0 a,b\n']);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    } finally {
      server.close();
    }
  });

  it('reads Retry-After as seconds, kept between 1 and 60, and waits 5 s when it is missing or a date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('0')).toBe(1_000);
    expect(retryAfterMs('3600')).toBe(60_000);
    expect(retryAfterMs(null)).toBe(5_000);
    expect(retryAfterMs('')).toBe(5_000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBe(5_000);
  });
});
