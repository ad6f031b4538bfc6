import { TransientPaymentError, type PaymentProvider } from '../../adapters/payments/provider';
import { createSandboxPaymentProvider, faultStrikes, type SandboxFaults } from '../../adapters/payments/sandbox';
import { createDb, type Db } from '../../db/connection';
import { startOms, type TestOms } from '../support/oms';

/**
 * The sandbox provider's own guarantees (SPEC section 3), on the real database: one answer per idempotency key
 * even while calls with the key race, books that never go beyond the authorization, tok_flaky's failures, and
 * the number of SQL statements a call costs.
 */
describe('sandbox payment provider', () => {
  let oms: TestOms;
  // The provider gets a connection pool of its own, so only its statements are counted (the worker's sweeper shares oms.db).
  let db: Db;
  let sandbox: PaymentProvider;
  let statements = 0;
  let run = 0;
  beforeAll(async () => {
    oms = await startOms({ seed: false });
    db = createDb(oms.databaseUrl, { poolMax: 8 });
    // The provider's statements are prepared statements, each on a connection it takes from this pool (no
    // transactions): one acquisition per round trip.
    (db.client.pool as { on(event: 'acquireSuccess', listener: () => void): void }).on(
      'acquireSuccess',
      () => (statements += 1),
    );
    sandbox = createSandboxPaymentProvider(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await oms?.close();
  });

  /** A fresh key prefix per use, so the tests do not share idempotency keys. */
  const key = (name: string) => `t${(run += 1)}:${name}`;
  const authorize = (idempotencyKey: string, amount = 1000, token = 'tok_ok') =>
    sandbox.authorize({ idempotencyKey, orderId: 'o', amount, currency: 'USD', token });
  const books = (authorizationId: string) =>
    oms.db('sandbox_payment_authorizations').where({ id: authorizationId }).first('captured', 'refunded', 'status');
  const operation = (idempotencyKey: string) =>
    oms.db('sandbox_payment_operations').where({ idempotency_key: idempotencyKey }).first('attempts', 'response');
  async function authorized(amount = 1000, token = 'tok_ok'): Promise<string> {
    const result = await authorize(key('authorize'), amount, token);
    if (result.status !== 'authorized') throw new Error(`expected an authorization, got ${JSON.stringify(result)}`);
    return result.authorizationId;
  }
  async function counted<T>(call: () => Promise<T>): Promise<number> {
    const before = statements;
    await call();
    return statements - before;
  }

  it('costs at most 3 SQL statements per call on the happy path', async () => {
    const authorizeKey = key('authorize');
    let authorizationId = '';
    const counts = {
      authorize: await counted(async () => {
        const result = await authorize(authorizeKey);
        if (result.status === 'authorized') authorizationId = result.authorizationId;
      }),
      capture: await counted(() =>
        sandbox.capture({ idempotencyKey: key('capture'), authorizationId, amount: 600, currency: 'USD' }),
      ),
      refund: await counted(() =>
        sandbox.refund({ idempotencyKey: key('refund'), authorizationId, amount: 100, currency: 'USD' }),
      ),
      void: await counted(() => sandbox.void({ idempotencyKey: key('void'), authorizationId })),
      repeatedKey: await counted(() => authorize(authorizeKey)),
    };
    expect(await books(authorizationId)).toEqual({ captured: 600, refunded: 100, status: 'voided' });
    // Listed by name, so a regression says which call grew and to how many statements.
    expect(Object.entries(counts).filter(([, count]) => count > 3)).toEqual([]);
    expect(Object.values(counts).every((count) => count > 0)).toBe(true);
  });

  it('applies same-key captures racing each other once, and answers them all alike', async () => {
    const authorizationId = await authorized(1000);
    const captureKey = key('capture');
    const capture = () =>
      sandbox.capture({ idempotencyKey: captureKey, authorizationId, amount: 300, currency: 'USD' });
    // Hold the operation's row so every call is in flight together when it is let go.
    await oms
      .db('sandbox_payment_operations')
      .insert({ idempotency_key: captureKey, operation: 'capture', attempts: 0 });
    const answers = await oms.db.transaction(async (trx) => {
      await trx('sandbox_payment_operations').where({ idempotency_key: captureKey }).forUpdate().first('attempts');
      const racing = Array.from({ length: 6 }, capture);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return racing;
    });
    const results = await Promise.all(answers);
    expect(new Set(results.map((result) => result.captureId)).size).toBe(1);
    expect(await books(authorizationId)).toEqual({ captured: 300, refunded: 0, status: 'authorized' });
    expect(await operation(captureKey)).toEqual({ attempts: 6, response: results[0] });
  });

  it('refuses a capture beyond the authorization or after a void, and a refund beyond the capture, storing no answer', async () => {
    const authorizationId = await authorized(1000);
    await sandbox.capture({ idempotencyKey: key('capture'), authorizationId, amount: 600, currency: 'USD' });

    const overCapture = key('capture');
    const refused = sandbox.capture({ idempotencyKey: overCapture, authorizationId, amount: 401, currency: 'USD' });
    await expect(refused).rejects.toThrow(/exceeds/);
    await expect(refused).rejects.not.toBeInstanceOf(TransientPaymentError);
    expect(await operation(overCapture)).toEqual({ attempts: 1, response: null });

    const overRefund = key('refund');
    await expect(
      sandbox.refund({ idempotencyKey: overRefund, authorizationId, amount: 601, currency: 'USD' }),
    ).rejects.toThrow(/exceeds/);
    expect(await operation(overRefund)).toEqual({ attempts: 1, response: null });
    expect(await books(authorizationId)).toEqual({ captured: 600, refunded: 0, status: 'authorized' });

    await sandbox.void({ idempotencyKey: key('void'), authorizationId });
    const afterVoid = key('capture');
    await expect(
      sandbox.capture({ idempotencyKey: afterVoid, authorizationId, amount: 1, currency: 'USD' }),
    ).rejects.toThrow(/exceeds/);
    expect(await operation(afterVoid)).toEqual({ attempts: 1, response: null });
    await expect(
      sandbox.capture({ idempotencyKey: key('capture'), authorizationId: 'sbx_auth_none', amount: 1, currency: 'USD' }),
    ).rejects.toThrow(/no authorization/);
    expect(await books(authorizationId)).toEqual({ captured: 600, refunded: 0, status: 'voided' });
  });

  it('fails tok_flaky twice per operation, counting the attempts, then succeeds', async () => {
    const authorizeKey = key('authorize');
    await expect(authorize(authorizeKey, 500, 'tok_flaky')).rejects.toBeInstanceOf(TransientPaymentError);
    await expect(authorize(authorizeKey, 500, 'tok_flaky')).rejects.toBeInstanceOf(TransientPaymentError);
    const result = await authorize(authorizeKey, 500, 'tok_flaky');
    expect(result).toMatchObject({ status: 'authorized' });
    expect(await operation(authorizeKey)).toMatchObject({ attempts: 3 });
    const authorizationId = result.status === 'authorized' ? result.authorizationId : '';

    const captureKey = key('capture');
    const capture = () =>
      sandbox.capture({ idempotencyKey: captureKey, authorizationId, amount: 500, currency: 'USD' });
    await expect(capture()).rejects.toBeInstanceOf(TransientPaymentError);
    await expect(capture()).rejects.toBeInstanceOf(TransientPaymentError);
    expect(await books(authorizationId)).toMatchObject({ captured: 0 });
    await capture();
    expect(await books(authorizationId)).toMatchObject({ captured: 500 });
    expect(await operation(captureKey)).toMatchObject({ attempts: 3 });
  });

  it('answers a repeated key with its first answer, whatever the repeat asks', async () => {
    const authorizeKey = key('authorize');
    const first = await authorize(authorizeKey, 1000, 'tok_ok');
    expect(await authorize(authorizeKey, 5, 'tok_decline')).toEqual(first);
    const declineKey = key('authorize');
    const declined = await authorize(declineKey, 1000, 'tok_decline');
    expect(declined).toEqual({ status: 'declined', reason: 'card_declined' });
    expect(await authorize(declineKey, 1000, 'tok_ok')).toEqual(declined);

    const authorizationId = first.status === 'authorized' ? first.authorizationId : '';
    const captureKey = key('capture');
    const captured = await sandbox.capture({
      idempotencyKey: captureKey,
      authorizationId,
      amount: 400,
      currency: 'USD',
    });
    expect(
      await sandbox.capture({ idempotencyKey: captureKey, authorizationId, amount: 900, currency: 'USD' }),
    ).toEqual(captured);
    const refundKey = key('refund');
    const refunded = await sandbox.refund({ idempotencyKey: refundKey, authorizationId, amount: 100, currency: 'USD' });
    expect(await sandbox.refund({ idempotencyKey: refundKey, authorizationId, amount: 100, currency: 'USD' })).toEqual(
      refunded,
    );
    expect(await books(authorizationId)).toEqual({ captured: 400, refunded: 100, status: 'authorized' });
  });

  it('fails in fault mode before doing anything (transient) or after storing the answer (timeoutAfterSuccess)', async () => {
    const faults: SandboxFaults = { transient: 0.5, timeoutAfterSuccess: 0.5 };
    const faulty = createSandboxPaymentProvider(db, faults);
    const keyWhere = (transient: boolean, timeout: boolean) => {
      for (;;) {
        const candidate = key('authorize');
        if (
          faultStrikes(faults, 'transient', candidate, 1) === transient &&
          faultStrikes(faults, 'timeoutAfterSuccess', candidate, 1) === timeout
        )
          return candidate;
      }
    };
    const transientKey = keyWhere(true, false);
    await expect(
      faulty.authorize({ idempotencyKey: transientKey, orderId: 'o', amount: 100, currency: 'USD', token: 'tok_ok' }),
    ).rejects.toThrow(/transient failure \(attempt 1\)/);
    expect(await operation(transientKey)).toEqual({ attempts: 1, response: null });

    const lostKey = keyWhere(false, true);
    await expect(
      faulty.authorize({ idempotencyKey: lostKey, orderId: 'o', amount: 100, currency: 'USD', token: 'tok_ok' }),
    ).rejects.toThrow(/timed out after authorize succeeded/);
    const stored = await operation(lostKey);
    expect(stored).toMatchObject({ attempts: 1, response: { status: 'authorized' } });
    expect(await books(stored.response.authorizationId)).toEqual({ captured: 0, refunded: 0, status: 'authorized' });
    // The retry is a replay of the stored answer: no fault draw applies to it.
    expect(
      await faulty.authorize({ idempotencyKey: lostKey, orderId: 'o', amount: 100, currency: 'USD', token: 'tok_ok' }),
    ).toEqual(stored.response);
  });
});
