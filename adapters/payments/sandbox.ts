import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  TransientPaymentError,
  type AuthorizeRequest,
  type AuthorizeResult,
  type CaptureRequest,
  type PaymentProvider,
  type RefundRequest,
  type VoidRequest,
} from './provider';

/** Test tokens (SPEC section 3): `tok_flaky` fails this many times per operation before it succeeds. */
export const SANDBOX_TOKENS = ['tok_ok', 'tok_decline', 'tok_flaky'] as const;
const FLAKY_FAILURES = 2;

/**
 * Fault mode, for chaos runs: a share of calls fails before doing anything (`transient`), and a share fails
 * *after* the operation succeeded (`timeoutAfterSuccess`, as a lost response would). Which calls fail is a
 * function of the idempotency key and attempt, so a run can be repeated exactly.
 */
export interface SandboxFaults {
  transient: number;
  timeoutAfterSuccess: number;
}

export const NO_FAULTS: SandboxFaults = { transient: 0, timeoutAfterSuccess: 0 };

/** `transient=0.2,timeoutAfterSuccess=0.05` as in `OMS_SANDBOX_FAULTS`. */
export function parseSandboxFaults(text: string | undefined): SandboxFaults {
  const faults = { ...NO_FAULTS };
  for (const part of (text ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const [name, value] = part.split('=');
    const rate = Number(value);
    if (!(name in faults) || !(rate >= 0 && rate <= 1)) throw new Error(`OMS_SANDBOX_FAULTS: "${part}" must be transient=<0..1> or timeoutAfterSuccess=<0..1>`);
    faults[name as keyof SandboxFaults] = rate;
  }
  return faults;
}

/** Whether fault mode fails this attempt of this idempotency key (a chaos run replays it to count the faults). */
export function faultStrikes(faults: SandboxFaults, kind: keyof SandboxFaults, idempotencyKey: string, attempt: number): boolean {
  return faults[kind] > 0 && createHash('sha256').update(`${kind}:${idempotencyKey}:${attempt}`).digest().readUInt32BE(0) / 2 ** 32 < faults[kind];
}

/**
 * The built-in sandbox provider. It keeps its own books in `sandbox_payment_*` tables, standing in for an
 * outside system: a repeated idempotency key gets the first answer back, and captures can never exceed
 * what was authorized.
 */
export function createSandboxPaymentProvider(db: Knex, faults: SandboxFaults = NO_FAULTS): PaymentProvider {
  const strikes = (key: string, attempt: number, kind: keyof SandboxFaults) => faultStrikes(faults, kind, key, attempt);

  /** Runs an operation once per idempotency key; later calls with the key return the stored answer. */
  function once<T>(idempotencyKey: string, operation: string, flaky: boolean, run: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return reachable(async () => {
      const [{ attempts, response }] = await db('sandbox_payment_operations')
        .insert({ idempotency_key: idempotencyKey, operation, attempts: 1 })
        .onConflict('idempotency_key')
        .merge({ attempts: db.raw('sandbox_payment_operations.attempts + 1') })
        .returning(['attempts', 'response']);
      if (response !== null) return response as T;
      if (flaky && attempts <= FLAKY_FAILURES) {
        throw new TransientPaymentError(`sandbox: simulated transient failure ${attempts} of ${FLAKY_FAILURES} (tok_flaky)`);
      }
      if (strikes(idempotencyKey, attempts, 'transient')) throw new TransientPaymentError(`sandbox fault mode: transient failure (attempt ${attempts})`);
      const { outcome, replayed } = await db.transaction(async (trx) => {
        // A call with the same key still running (an attempt given up on) holds the row: wait for it, then answer as it did.
        const { response: answered } = await trx('sandbox_payment_operations').where({ idempotency_key: idempotencyKey }).forUpdate().first('response');
        if (answered !== null) return { outcome: answered as T, replayed: true };
        const result = await run(trx);
        await trx('sandbox_payment_operations').where({ idempotency_key: idempotencyKey }).update({ response: JSON.stringify(result) });
        return { outcome: result, replayed: false };
      });
      if (!replayed && strikes(idempotencyKey, attempts, 'timeoutAfterSuccess')) {
        throw new TransientPaymentError(`sandbox fault mode: timed out after ${operation} succeeded (attempt ${attempts})`);
      }
      return outcome;
    });
  }

  function flakyAuthorization(authorizationId: string): Promise<boolean> {
    return reachable(async () => {
      const row = await db('sandbox_payment_authorizations').where({ id: authorizationId }).first('flaky');
      if (!row) throw new SandboxRefusal(`sandbox: no authorization ${authorizationId}`);
      return row.flaky;
    });
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
        if (updated === 0) throw new SandboxRefusal(`sandbox: capture of ${request.amount} exceeds what ${request.authorizationId} has left`);
        return { captureId: `sbx_cap_${digest(request.idempotencyKey)}` };
      });
    },

    async refund(request: RefundRequest) {
      return once(request.idempotencyKey, 'refund', await flakyAuthorization(request.authorizationId), async (trx) => {
        const updated = await trx('sandbox_payment_authorizations')
          .where({ id: request.authorizationId })
          .whereRaw('refunded + ? <= captured', [request.amount])
          .increment('refunded', request.amount);
        if (updated === 0) throw new SandboxRefusal(`sandbox: refund of ${request.amount} exceeds what ${request.authorizationId} has captured and not refunded`);
        return { refundId: `sbx_ref_${digest(request.idempotencyKey)}` };
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

/** What the sandbox refuses (a capture beyond the authorization, an unknown authorization): an answer, not an outage. */
class SandboxRefusal extends Error {}

/**
 * The sandbox's books live in PostgreSQL: when it cannot reach them (restarting, connections dropped, a
 * deadlock victim) that is a provider outage to the OMS, worth retrying, never a final answer.
 */
async function reachable<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SandboxRefusal || error instanceof TransientPaymentError) throw error;
    throw new TransientPaymentError(`sandbox unavailable: ${(error as Error).message}`);
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}
