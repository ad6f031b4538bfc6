import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../db/connection';
import { webhookDeliveries, type ClaimedDelivery } from '../../outbox/webhook-deliveries';

/**
 * What one delivery attempt makes of a receiver's answer, against a real HTTP receiver: a 2xx delivers, anything else
 * (a redirect too: it is not followed) or no answer in time is retried later, each with the reason the log shows.
 */
describe('a webhook delivery attempt', () => {
  const received: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      if (request.url === '/silent') return; // never answers
      if (request.url === '/moved') response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      else response.writeHead(request.url === '/broken' ? 500 : 204);
      response.end();
    });
  });
  let base = '';
  // Sending touches no database: claims and outcomes are recorded by the dispatcher around it.
  const queue = webhookDeliveries({} as Db, { retryForMs: 60_000, timeoutMs: 300 });
  const delivery = (path: string): ClaimedDelivery => ({
    id: 'dlv_1',
    attempt: 1,
    retryFrom: new Date(),
    url: `${base}${path}`,
    secret: `whsec_${Buffer.from('unit-test-signing-secret-32-byte').toString('base64')}`,
    event: {
      id: 'evt_1',
      type: 'order.created',
      createdAt: new Date().toISOString(),
      orderId: 'ORD-1',
      sequence: 1,
      data: { orderId: 'ORD-1' },
    },
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('delivers on a 2xx, POSTing the event as signed JSON', async () => {
    const outcome = await queue.send(delivery('/ok'));
    expect(outcome).toMatchObject({ status: 'delivered', statusCode: 204, error: null });
    const request = received.find((entry) => entry.path === '/ok')!;
    expect(JSON.parse(request.body)).toMatchObject({ id: 'evt_1', type: 'order.created', orderId: 'ORD-1' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe('evt_1');
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('retries a non-2xx answer, and a redirect, which it does not follow', async () => {
    expect(await queue.send(delivery('/broken'))).toMatchObject({
      status: 'pending',
      statusCode: 500,
      error: 'answered 500',
    });
    expect(await queue.send(delivery('/moved'))).toMatchObject({
      status: 'pending',
      statusCode: 302,
      error: 'answered 302',
    });
  });

  it('retries a receiver that does not answer in time, and one that cannot be reached', async () => {
    expect(await queue.send(delivery('/silent'))).toMatchObject({
      status: 'pending',
      statusCode: null,
      error: 'no answer within 0.3 s',
    });
    const unreachable = await queue.send({ ...delivery(''), url: 'http://127.0.0.1:1/hook' });
    expect(unreachable).toMatchObject({ status: 'pending', statusCode: null });
    expect(unreachable.error).toContain('ECONNREFUSED');
  });
});
