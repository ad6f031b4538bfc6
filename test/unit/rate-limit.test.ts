import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuthenticator } from '../../api/auth';
import { rateLimitPerKey } from '../../api/rate-limit';

/** An app with the limiter at `perSecond` in front of one route, and two keys. */
async function limitedApp(perSecond: number) {
  const app = express();
  const auth = createAuthenticator([
    { key: 'key-a', role: 'sales' },
    { key: 'key-b', role: 'sales' },
  ]);
  app.use('/v1', rateLimitPerKey(perSecond, auth));
  app.get('/v1/ping', (_req, res) => res.json({ ok: true }));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (key?: string) => fetch(`${base}/v1/ping`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const statuses = async (key: string | undefined, count: number) => {
    const answers = await Promise.all(Array.from({ length: count }, () => get(key)));
    return answers.map((answer) => answer.status);
  };
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { get, statuses, close };
}

describe('the per-key rate limit', () => {
  it('answers 429 problem+json with Retry-After past the limit, counting each key and each keyless address apart', async () => {
    const app = await limitedApp(3);
    try {
      // A key's second starts with its first request: of six sent together, three pass.
      expect((await app.statuses('key-a', 6)).sort()).toEqual([200, 200, 200, 429, 429, 429]);
      const refused = await app.get('key-a');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('ratelimit-policy')).toMatch(/^"per-key"; q=3; w=1;/);
      expect(((await refused.json()) as { detail: string }).detail).toBe(
        'more than 3 requests a second from this key; send again after the Retry-After seconds',
      );
      // Another key, and a request without one, have their own counts.
      expect(await app.statuses('key-b', 3)).toEqual([200, 200, 200]);
      expect(await app.statuses(undefined, 3)).toEqual([200, 200, 200]);
      expect(await app.statuses('unknown-key', 1)).toEqual([429]); // no key it knows: counted by address
      // The next second starts afresh.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await app.get('key-a')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('lets everything through at 0', async () => {
    const app = await limitedApp(0);
    try {
      expect(new Set(await app.statuses('key-a', 50))).toEqual(new Set([200]));
    } finally {
      await app.close();
    }
  });
});
