import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConcurrencyGate } from '../../api/concurrency-gate';
import { errorHandler } from '../../api/problem';

/** An app whose `/work/:name` requests pass the gate and then wait until the test lets each one finish. */
async function gatedApp() {
  const entered: string[] = [];
  const finished: string[] = [];
  const finishers = new Map<string, () => void>();
  const app = express();
  const gate = new ConcurrencyGate({ running: 1, waiting: 1, what: 'jobs', retryAfterSeconds: 3 });
  app.post('/work/:name', (req, res) =>
    gate.run(res, async () => {
      const name = String(req.params.name);
      entered.push(name);
      await new Promise<void>((resolve) => finishers.set(name, resolve));
      if (!res.destroyed) res.json({ done: name });
      finished.push(name);
    }),
  );
  app.use(errorHandler(() => undefined));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = (name: string, signal?: AbortSignal) => fetch(`${base}/work/${name}`, { method: 'POST', signal });
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const finish = async (name: string) => {
    await until(() => finishers.has(name));
    finishers.get(name)!();
  };
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { entered, finished, send, finish, until, close };
}

describe('the concurrency gate', () => {
  it('lets one through, queues one, and answers 429 with Retry-After to the next', async () => {
    const app = await gatedApp();
    try {
      const first = app.send('a');
      await app.until(() => app.entered.length === 1);
      const second = app.send('b');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = await app.send('c');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('3');
      expect(third.headers.get('content-type')).toContain('application/problem+json');
      expect(((await third.json()) as { detail: string }).detail).toBe(
        '2 jobs are already in progress or waiting on this server; send this one again in 3 s',
      );
      expect(app.entered).toEqual(['a']); // b waits its turn

      await app.finish('a');
      expect((await first).status).toBe(200);
      await app.finish('b');
      expect(await (await second).json()).toEqual({ done: 'b' });
      expect(app.entered).toEqual(['a', 'b']);
    } finally {
      await app.close();
    }
  });

  it('gives a place up when its client goes away while waiting; a running one keeps its turn until its work ends', async () => {
    const app = await gatedApp();
    try {
      const running = new AbortController();
      const first = app.send('a', running.signal).catch((error: Error) => error.name);
      await app.until(() => app.entered.length === 1);
      const waiting = new AbortController();
      const gaveUp = app.send('b', waiting.signal).catch((error: Error) => error.name);
      await new Promise((resolve) => setTimeout(resolve, 50));
      waiting.abort();
      expect(await gaveUp).toBe('AbortError');
      // b's place is free again: c waits rather than being refused.
      const third = app.send('c');
      await new Promise((resolve) => setTimeout(resolve, 50));
      // a's client goes away, but a's work goes on: c still waits, and one more is refused.
      running.abort();
      expect(await first).toBe('AbortError');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(app.entered).toEqual(['a']);
      expect((await app.send('d')).status).toBe(429);
      // Once a's work ends, c has its turn.
      await app.finish('a');
      await app.until(() => app.entered.length === 2);
      expect(app.entered).toEqual(['a', 'c']);
      await app.finish('c');
      expect((await third).status).toBe(200);
      expect(app.finished).toEqual(['a', 'c']);
    } finally {
      await app.close();
    }
  });
});
