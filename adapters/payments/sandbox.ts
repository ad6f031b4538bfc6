import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  TransientPaymentError,
  type AuthorizeRequest,
  type AuthorizeResult,
  type CaptureRequest,
  type PaymentProvider,
  type VoidRequest,
} from './provider';

/** Test tokens (SPEC section 3): `tok_flaky` fails this many times per operation before it succeeds. */
export const SANDBOX_TOKENS = ['tok_ok', 'tok_decline', 'tok_flaky'] as const;
const FLAKY_FAILURES = 2;

/**
 * The built-in sandbox provider. It keeps its own books in `sandbox_payment_*` tables, standing in for an
 * outside system: a repeated idempotency key gets the first answer back, and captures can never exceed
 * what was authorized.
 */
export function createSandboxPaymentProvider(db: Knex): PaymentProvider {
  /** Runs an operation once per idempotency key; later calls with the key return the stored answer. */
  async function once<T>(idempotencyKey: string, operation: string, flaky: boolean, run: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    const [{ attempts, response }] = await db('sandbox_payment_operations')
      .insert({ idempotency_key: idempotencyKey, operation, attempts: 1 })
      .onConflict('idempotency_key')
      .merge({ attempts: db.raw('sandbox_payment_operations.attempts + 1') })
      .returning(['attempts', 'response']);
    if (response !== null) return response as T;
    if (flaky && attempts <= FLAKY_FAILURES) {
      throw new TransientPaymentError(`sandbox: simulated transient failure ${attempts} of ${FLAKY_FAILURES} (tok_flaky)`);
    }
    return db.transaction(async (trx) => {
      const result = await run(trx);
      await trx('sandbox_payment_operations').where({ idempotency_key: idempotencyKey }).update({ response: JSON.stringify(result) });
      return result;
    });
  }

  async function flakyAuthorization(authorizationId: string): Promise<boolean> {
    const row = await db('sandbox_payment_authorizations').where({ id: authorizationId }).first('flaky');
    if (!row) throw new Error(`sandbox: no authorization ${authorizationId}`);
    return row.flaky;
  }

  return {
    name: 'sandbox',

    authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
      return once(request.idempotencyKey, 'authorize', request.token === 'tok_flaky', async (trx) => {
        if (request.token === 'tok_decline') return { status: 'declined', reason: 'card_declined' };
        if (request.token !== 'tok_ok' && request.token !== 'tok_flaky') return { status: 'declined', reason: 'unknown_test_token' };
        const authorizationId = `sbx_auth_${digest(request.idempotencyKey)}`;
        await trx('sandbox_payment_authorizations').insert({
          id: authorizationId,
          amount: request.amount,
          currency: request.currency,
          status: 'authorized',
          flaky: request.token === 'tok_flaky',
        });
        return { status: 'authorized', authorizationId };
      });
    },

    async capture(request: CaptureRequest) {
      return once(request.idempotencyKey, 'capture', await flakyAuthorization(request.authorizationId), async (trx) => {
        const updated = await trx('sandbox_payment_authorizations')
          .where({ id: request.authorizationId })
          .whereRaw('captured + ? <= amount', [request.amount])
          .whereNot('status', 'voided')
          .increment('captured', request.amount);
        if (updated === 0) throw new Error(`sandbox: capture of ${request.amount} exceeds what ${request.authorizationId} has left`);
        return { captureId: `sbx_cap_${digest(request.idempotencyKey)}` };
      });
    },

    async void(request: VoidRequest) {
      await once(request.idempotencyKey, 'void', false, async (trx) => {
        await trx('sandbox_payment_authorizations').where({ id: request.authorizationId }).update({ status: 'voided' });
        return { voided: true };
      });
    },
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}
