import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { TransientPaymentError } from '../../adapters/payments/provider';
import { createStripePaymentProvider } from '../../adapters/payments/stripe';
import { cachedGoTool } from '../../tools/go-binaries';
import { eventually, freePort } from '../support/helpers';

/** stripe-mock, pinned: built with `go install` into the tool cache the first time. */
const STRIPE_MOCK = { name: 'stripe-mock', module: 'github.com/stripe/stripe-mock', version: 'v0.203.0' };

interface Recorded {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  body: URLSearchParams;
}

/**
 * The Stripe adapter against stripe-mock, through a proxy that records what the adapter sends. stripe-mock
 * checks requests against Stripe's API schema and answers with fixtures; it keeps no state, so it cannot show
 * that Stripe deduplicates by idempotency key or refuses to over-capture: those are Stripe's side of the
 * contract, and the tests check that the adapter sends what that contract needs.
 */
describe('Stripe adapter (stripe-mock)', () => {
  let mock: ChildProcess;
  let proxy: http.Server;
  const recorded: Recorded[] = [];
  let apiBase: string;

  beforeAll(async () => {
    const binary = await cachedGoTool({ ...STRIPE_MOCK, onProgress: (message) => console.log(message) });
    const mockPort = await freePort();
    mock = spawn(binary, ['-http-port', String(mockPort)], { stdio: 'ignore' });
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${mockPort}/v1/payment_intents`, {
          headers: { authorization: 'Bearer sk_test_123' },
        }).then(
          (response) => response.status,
          () => 0,
        ),
      (status) => status === 200,
      15_000,
    );
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        recorded.push({
          method: req.method!,
          path: req.url!,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: new URLSearchParams(body.toString()),
        });
        const forward = http.request(
          { host: '127.0.0.1', port: mockPort, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          },
        );
        forward.end(body);
      });
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    apiBase = `http://127.0.0.1:${proxyPort}`;
  }, 300_000);

  afterAll(async () => {
    mock?.kill();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  const last = () => recorded[recorded.length - 1];

  it('authorizes with a confirmed manual-capture PaymentIntent, keyed on the order', async () => {
    const stripe = createStripePaymentProvider({ secretKey: 'sk_test_123', apiBase });
    const result = await stripe.authorize({
      idempotencyKey: 'ORD-1:authorize',
      orderId: 'ORD-1',
      amount: 7784,
      currency: 'USD',
      token: 'pm_card_visa',
    });
    expect(last()).toMatchObject({ method: 'POST', path: '/v1/payment_intents', idempotencyKey: 'ORD-1:authorize' });
    expect(Object.fromEntries(last().body)).toMatchObject({
      amount: '7784',
      currency: 'usd',
      capture_method: 'manual',
      confirm: 'true',
      payment_method: 'pm_card_visa',
      'metadata[order_id]': 'ORD-1',
      // One capture per shipment, and room for a backorder's wait.
      'payment_method_options[card][request_multicapture]': 'if_available',
      'payment_method_options[card][request_extended_authorization]': 'if_available',
    });
    // stripe-mock answers from fixtures: whatever status it reports, the adapter maps it to one of its two answers.
    expect(['authorized', 'declined']).toContain(result.status);
    if (result.status === 'authorized') expect(result.authorizationId).toMatch(/^pi_/);
  });

  it('captures part of an authorization, voids it and refunds it, each with its own idempotency key', async () => {
    const stripe = createStripePaymentProvider({ secretKey: 'sk_test_123', apiBase });
    const capture = await stripe.capture({
      idempotencyKey: 'ORD-1:capture:ORD-1-S1',
      authorizationId: 'pi_123',
      amount: 5000,
      currency: 'USD',
    });
    expect(last()).toMatchObject({
      path: '/v1/payment_intents/pi_123/capture',
      idempotencyKey: 'ORD-1:capture:ORD-1-S1',
    });
    expect(last().body.get('amount_to_capture')).toBe('5000');
    // The rest of the authorization stays capturable for the order's next shipment.
    expect(last().body.get('final_capture')).toBe('false');
    expect(capture.captureId).toMatch(/^(ch|py|pi)_/);

    await stripe.void({ idempotencyKey: 'ORD-1:void', authorizationId: 'pi_123' });
    expect(last()).toMatchObject({ path: '/v1/payment_intents/pi_123/cancel', idempotencyKey: 'ORD-1:void' });

    const refund = await stripe.refund({
      idempotencyKey: 'ORD-1:refund:1',
      authorizationId: 'pi_123',
      amount: 1361,
      currency: 'USD',
    });
    expect(last()).toMatchObject({ path: '/v1/refunds', idempotencyKey: 'ORD-1:refund:1' });
    expect(Object.fromEntries(last().body)).toMatchObject({ payment_intent: 'pi_123', amount: '1361' });
    expect(refund.refundId).toMatch(/^re_/);
  });

  it('sends the same idempotency key again when an activity retries', async () => {
    const stripe = createStripePaymentProvider({ secretKey: 'sk_test_123', apiBase });
    const request = {
      idempotencyKey: 'ORD-2:capture:ORD-2-S1',
      authorizationId: 'pi_456',
      amount: 100,
      currency: 'USD',
    };
    await stripe.capture(request);
    await stripe.capture(request);
    const keys = recorded
      .filter((entry) => entry.path === '/v1/payment_intents/pi_456/capture')
      .map((entry) => entry.idempotencyKey);
    expect(keys).toEqual(['ORD-2:capture:ORD-2-S1', 'ORD-2:capture:ORD-2-S1']);
  });

  it('sends a key longer than Stripe takes (255) as its hash, the same on every retry', async () => {
    const stripe = createStripePaymentProvider({ secretKey: 'sk_test_123', apiBase });
    const longKey = `ORD-3/refund-${'k'.repeat(255)}`;
    const request = { idempotencyKey: longKey, authorizationId: 'pi_789', amount: 100, currency: 'USD' };
    await stripe.refund(request);
    await stripe.refund(request);
    const keys = recorded
      .filter((entry) => entry.body.get('payment_intent') === 'pi_789')
      .map((entry) => entry.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(recorded.every((entry) => (entry.idempotencyKey ?? '').length <= 255)).toBe(true);
  });

  it('reports an unreachable Stripe as a transient failure for Temporal to retry', async () => {
    const stripe = createStripePaymentProvider({
      secretKey: 'sk_test_123',
      apiBase: `http://127.0.0.1:${await freePort()}`,
    });
    await expect(
      stripe.capture({ idempotencyKey: 'k', authorizationId: 'pi_1', amount: 1, currency: 'USD' }),
    ).rejects.toBeInstanceOf(TransientPaymentError);
  });
});
