import { domainErrorsAsProblems, HttpProblem, problemFromDomainError } from '../../api/problem';
import {
  DomainError,
  DuplicateExternalIdError,
  NotFoundError,
  OrderRecoveringError,
  RuleViolationError,
  StateConflictError,
} from '../../services/errors';

describe('domain errors as problems', () => {
  it('answers each kind of refusal with its status, keeping the detail and the fields', () => {
    const fields = [{ path: 'body.lines.0.sku', message: 'product NOPE does not exist' }];
    const cases: [DomainError, number][] = [
      [new NotFoundError('no order ORD-1'), 404],
      [new StateConflictError('order ORD-1 is SHIPPED and no longer accepts changes'), 409],
      [new RuleViolationError('the order cannot be accepted: product NOPE does not exist', fields), 422],
      [new OrderRecoveringError('the order is recovering from a worker failure'), 503],
    ];
    for (const [error, status] of cases) {
      const problem = problemFromDomainError(error);
      expect(problem).toBeInstanceOf(HttpProblem);
      expect([problem?.status, problem?.message, problem?.errors]).toEqual([status, error.message, error.errors]);
    }
  });

  it('answers a taken external ID 409, naming the order that has it in the field and in `existingOrderId`', () => {
    const problem = problemFromDomainError(new DuplicateExternalIdError('shopify', '#1001', 'ORD-1'));
    expect(problem).toMatchObject({
      status: 409,
      message: 'externalId #1001 is already used in channel shopify by order ORD-1',
      errors: [{ path: 'body.externalId', message: 'already used in channel shopify by order ORD-1' }],
      extensions: { existingOrderId: 'ORD-1' },
    });
  });

  it('passes other errors on untouched, so they stay unexpected (500, logged)', () => {
    class UnknownKind extends DomainError {}
    const passed: unknown[] = [];
    const next = (error: unknown) => passed.push(error);
    const plain = new Error('boom');
    const unknownKind = new UnknownKind('what is this');
    for (const error of [plain, unknownKind, new NotFoundError('no pick list PL-1')])
      domainErrorsAsProblems(error, {} as never, {} as never, next);
    expect(passed[0]).toBe(plain);
    expect(passed[1]).toBe(unknownKind);
    expect(passed[2]).toEqual(expect.objectContaining({ status: 404, message: 'no pick list PL-1' }));
  });
});
