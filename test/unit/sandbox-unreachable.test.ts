import { TransientPaymentError } from '../../adapters/payments/provider';
import { createSandboxPaymentProvider } from '../../adapters/payments/sandbox';
import { createDb } from '../../db/connection';

/**
 * The sandbox's books are in PostgreSQL. While it restarts (a chaos run does that), the provider is having an
 * outage, which the payment activities retry; any other error would fail the order's workflow for good.
 */
describe('sandbox provider without its database', () => {
  const db = createDb('postgres://postgres:postgres@127.0.0.1:1/nothing', { poolMax: 1 });
  afterAll(() => db.destroy());

  it('reports every call as a transient failure', async () => {
    const sandbox = createSandboxPaymentProvider(db);
    await expect(
      sandbox.authorize({ idempotencyKey: 'o:authorize', orderId: 'o', amount: 100, currency: 'USD', token: 'tok_ok' }),
    ).rejects.toBeInstanceOf(TransientPaymentError);
    await expect(
      sandbox.capture({ idempotencyKey: 'o:capture:s', authorizationId: 'a', amount: 100, currency: 'USD' }),
    ).rejects.toThrow(/sandbox unavailable: .*ECONNREFUSED/);
  });
});
