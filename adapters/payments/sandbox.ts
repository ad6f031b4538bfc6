import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { preparedStatement, type PreparedStatement } from '../../db/connection';
import {
  TransientPaymentError,
  type AuthorizeRequest,
  type AuthorizeResult,
  type CaptureRequest,
  type PaymentProvider,
  type RefundRequest,
  type VoidRequest,
} from './provider';

/**
 * Test tokens (SPEC section 3): `tok_flaky` fails this many times per operation before it succeeds; `tok_error` is
 * refused with an error retrying will not cure (as a real provider refuses a rotated key), which holds the order.
 */
export const SANDBOX_TOKENS = ['tok_ok', 'tok_decline', 'tok_flaky', 'tok_error'] as const;
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
  for (const part of (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    const rate = Number(value);
    if (!(name in faults) || !(rate >= 0 && rate <= 1))
      throw new Error(`OMS_SANDBOX_FAULTS: "${part}" must be transient=<0..1> or timeoutAfterSuccess=<0..1>`);
    faults[name as keyof SandboxFaults] = rate;
  }
  return faults;
}

/** Whether fault mode fails this attempt of this idempotency key (a chaos run replays it to count the faults). */
export function faultStrikes(
  faults: SandboxFaults,
  kind: keyof SandboxFaults,
  idempotencyKey: string,
  attempt: number,
): boolean {
  return (
    faults[kind] > 0 &&
    createHash('sha256').update(`${kind}:${idempotencyKey}:${attempt}`).digest().readUInt32BE(0) / 2 ** 32 <
      faults[kind]
  );
}

/*
 * The sandbox's SQL. A call is two statements: COUNT_ATTEMPT (committed on its own, so tok_flaky's and fault
 * mode's attempts count even when the attempt then fails), then one statement that claims the operation and
 * changes the books together, or neither.
 *
 * Why one statement is safe under READ COMMITTED, with calls of the same key racing: `operation` locks the
 * operation's row (FOR UPDATE) before anything else in the statement can happen, since `books` reads it and
 * `claim` reads `books`. A second call with the key waits for that lock; when the first commits, PostgreSQL
 * re-reads the locked row's newest version, so the second sees the stored response: its `books` (guarded by
 * `response IS NULL` on that re-read row) changes nothing, its `claim` stores nothing, and it answers with the
 * first call's response. The claim's own UPDATE finds the row we hold locked, so its `response IS NULL` cannot
 * disagree with the lock's. Calls on the same authorization with different keys serialize on the
 * authorization's row instead: an UPDATE that waited re-checks its WHERE (the limits below) on the newest
 * version. `claim` only stores the answer if `books` returned a row, so a refusal stores nothing.
 */

/** Counts an attempt; returns the stored answer, if any, and whether the authorization is tok_flaky (null: no such authorization). */
const COUNT_ATTEMPT = preparedStatement<{ attempts: number; response: unknown; flaky: boolean | null }>(
  'sandbox-count-attempt',
  `INSERT INTO sandbox_payment_operations (idempotency_key, operation, attempts) VALUES (:key, :operation, 1)
  ON CONFLICT (idempotency_key) DO UPDATE SET attempts = sandbox_payment_operations.attempts + 1
  RETURNING attempts, response, (SELECT flaky FROM sandbox_payment_authorizations WHERE id = :authorizationId) AS flaky`,
);

/** Locks the operation's row (a call with the same key waits here) and reads its newest stored answer. */
const LOCK_OPERATION = `operation AS MATERIALIZED (SELECT response FROM sandbox_payment_operations WHERE idempotency_key = :key FOR UPDATE)`;

/** True while no call has answered the operation: every books change is conditional on it. */
const UNANSWERED = `EXISTS (SELECT 1 FROM operation WHERE response IS NULL)`;

/** Stores the answer if (and only if) the books change returned a row. */
const CLAIM = `claim AS (
  UPDATE sandbox_payment_operations SET response = CAST(:answer AS jsonb)
  WHERE idempotency_key = :key AND response IS NULL AND EXISTS (SELECT 1 FROM books) RETURNING 1)`;

/** One statement per operation: lock, `books` (its CTEs, the last named `books`), claim; says what happened. */
function claimingWith(name: string, books: string): PreparedStatement<{ answered: unknown; stored: boolean }> {
  return preparedStatement(
    `sandbox-${name}`,
    `WITH ${LOCK_OPERATION}, ${books}, ${CLAIM}
  SELECT (SELECT response FROM operation) AS answered, EXISTS (SELECT 1 FROM claim) AS stored`,
  );
}

/** Records a new authorization. */
const AUTHORIZE = claimingWith(
  'authorize',
  `books AS (
  INSERT INTO sandbox_payment_authorizations (id, amount, currency, status, flaky)
  SELECT :authorizationId, CAST(:amount AS bigint), :currency, 'authorized', CAST(:flaky AS boolean) WHERE ${UNANSWERED}
  RETURNING id)`,
);

/** Stores an answer that changes no books (a decline). */
const ANSWER_ONLY = claimingWith('answer-only', `books AS (SELECT 1 FROM operation WHERE response IS NULL)`);

/** Captures, never beyond the authorization and never after a void. */
const CAPTURE = claimingWith(
  'capture',
  `books AS (
  UPDATE sandbox_payment_authorizations SET captured = captured + CAST(:amount AS bigint)
  WHERE id = :authorizationId AND captured + CAST(:amount AS bigint) <= amount AND status <> 'voided' AND ${UNANSWERED}
  RETURNING id)`,
);

/** Refunds, never beyond what was captured and not yet refunded. */
const REFUND = claimingWith(
  'refund',
  `books AS (
  UPDATE sandbox_payment_authorizations SET refunded = refunded + CAST(:amount AS bigint)
  WHERE id = :authorizationId AND refunded + CAST(:amount AS bigint) <= captured AND ${UNANSWERED}
  RETURNING id)`,
);

/** Voids; answers alike whether or not there was an authorization to void (as a provider's void does). */
const VOID = claimingWith(
  'void',
  `voided AS (
  UPDATE sandbox_payment_authorizations SET status = 'voided' WHERE id = :authorizationId AND ${UNANSWERED} RETURNING id
), books AS (SELECT 1 FROM operation WHERE response IS NULL)`,
);

type Bindings = Record<string, string | number | boolean | null>;

/** One operation as `once` runs it: its statement, the answer it stores, and what to say if the books refuse it. */
interface Operation<T> {
  statement: PreparedStatement<{ answered: unknown; stored: boolean }>;
  bindings: Bindings;
  answer: T;
  refusal: string;
}

/**
 * The built-in sandbox provider. It keeps its own books in `sandbox_payment_*` tables, standing in for an
 * outside system: a repeated idempotency key gets the first answer back, and captures can never exceed
 * what was authorized.
 */
export function createSandboxPaymentProvider(db: Knex, faults: SandboxFaults = NO_FAULTS): PaymentProvider {
  const strikes = (key: string, attempt: number, kind: keyof SandboxFaults) => faultStrikes(faults, kind, key, attempt);

  /**
   * Runs an operation once per idempotency key; later calls with the key return the stored answer. `flaky` is
   * the token's flakiness, or the authorization whose flakiness counts (refused if there is none).
   */
  function once<T>(
    idempotencyKey: string,
    operation: string,
    flaky: boolean | { authorizationId: string },
    run: () => Operation<T>,
  ): Promise<T> {
    return reachable(async () => {
      const authorizationId = typeof flaky === 'boolean' ? null : flaky.authorizationId;
      const [{ attempts, response, flaky: authorizationFlaky }] = await COUNT_ATTEMPT.run(db, {
        key: idempotencyKey,
        operation,
        authorizationId,
      });
      if (response !== null) return response as T;
      if (authorizationId !== null && authorizationFlaky === null)
        throw new SandboxRefusal(`sandbox: no authorization ${authorizationId}`);
      if ((typeof flaky === 'boolean' ? flaky : authorizationFlaky) && attempts <= FLAKY_FAILURES) {
        throw new TransientPaymentError(
          `sandbox: simulated transient failure ${attempts} of ${FLAKY_FAILURES} (tok_flaky)`,
        );
      }
      if (strikes(idempotencyKey, attempts, 'transient'))
        throw new TransientPaymentError(`sandbox fault mode: transient failure (attempt ${attempts})`);
      const { statement, bindings, answer, refusal } = run();
      const [{ answered, stored }] = await statement.run(db, {
        ...bindings,
        key: idempotencyKey,
        answer: JSON.stringify(answer),
      });
      // A call with the same key that was still running (an attempt given up on) answered first: answer as it did.
      if (answered !== null) return answered as T;
      if (!stored) throw new SandboxRefusal(refusal);
      if (strikes(idempotencyKey, attempts, 'timeoutAfterSuccess')) {
        throw new TransientPaymentError(
          `sandbox fault mode: timed out after ${operation} succeeded (attempt ${attempts})`,
        );
      }
      return answer;
    });
  }

  return {
    name: 'sandbox',

    authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
      if (request.token === 'tok_error') {
        return Promise.reject(new SandboxRefusal('sandbox: the provider refused the request (tok_error)'));
      }
      const flaky = request.token === 'tok_flaky';
      return once(request.idempotencyKey, 'authorize', flaky, (): Operation<AuthorizeResult> => {
        const refusal = `sandbox: authorization ${request.idempotencyKey} was not recorded`;
        if (request.token === 'tok_decline')
          return {
            statement: ANSWER_ONLY,
            bindings: {},
            answer: { status: 'declined', reason: 'card_declined' },
            refusal,
          };
        if (request.token !== 'tok_ok' && !flaky)
          return {
            statement: ANSWER_ONLY,
            bindings: {},
            answer: { status: 'declined', reason: 'unknown_test_token' },
            refusal,
          };
        const authorizationId = `sbx_auth_${digest(request.idempotencyKey)}`;
        return {
          statement: AUTHORIZE,
          bindings: { authorizationId, amount: request.amount, currency: request.currency, flaky },
          answer: { status: 'authorized', authorizationId },
          refusal,
        };
      });
    },

    capture(request: CaptureRequest) {
      return once(request.idempotencyKey, 'capture', { authorizationId: request.authorizationId }, () => ({
        statement: CAPTURE,
        bindings: { authorizationId: request.authorizationId, amount: request.amount },
        answer: { captureId: `sbx_cap_${digest(request.idempotencyKey)}` },
        refusal: `sandbox: capture of ${request.amount} exceeds what ${request.authorizationId} has left`,
      }));
    },

    refund(request: RefundRequest) {
      return once(request.idempotencyKey, 'refund', { authorizationId: request.authorizationId }, () => ({
        statement: REFUND,
        bindings: { authorizationId: request.authorizationId, amount: request.amount },
        answer: { refundId: `sbx_ref_${digest(request.idempotencyKey)}` },
        refusal: `sandbox: refund of ${request.amount} exceeds what ${request.authorizationId} has captured and not refunded`,
      }));
    },

    async void(request: VoidRequest) {
      await once(request.idempotencyKey, 'void', false, () => ({
        statement: VOID,
        bindings: { authorizationId: request.authorizationId },
        answer: { voided: true },
        refusal: `sandbox: void of ${request.authorizationId} was not recorded`,
      }));
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
