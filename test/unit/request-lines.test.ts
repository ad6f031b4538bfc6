import { orderLineProblems, receiptLineProblems } from '../../domain/request-lines';

/** Entry rules for refund, return and return receipt lines (item: refused at the API with 422, field by field). */
describe('refund and return lines', () => {
  const order = { id: 'ORD-1', skus: new Set(['MUG', 'TEE']) };

  it('accepts each of the order SKUs once', () => {
    expect(
      orderLineProblems(
        [
          { sku: 'MUG', quantity: 1 },
          { sku: 'TEE', quantity: 2 },
        ],
        order,
      ),
    ).toEqual([]);
  });

  it('names a SKU listed twice and a SKU the order does not have by their field', () => {
    expect(
      orderLineProblems(
        [
          { sku: 'MUG', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
          { sku: 'HAT', quantity: 1 },
        ],
        order,
      ),
    ).toEqual([
      { path: 'lines.1.sku', message: 'MUG is listed more than once; put the whole quantity on one line' },
      { path: 'lines.2.sku', message: 'HAT is not a line of order ORD-1' },
    ]);
  });
});

describe('return receipt lines', () => {
  const rma = { id: 'ORD-1/return-1', lines: [{ sku: 'MUG', quantity: 2 }] };

  it('accepts the RMA SKUs in both conditions, up to the RMA quantity', () => {
    expect(
      receiptLineProblems(
        [
          { sku: 'MUG', quantity: 1, condition: 'resellable' },
          { sku: 'MUG', quantity: 1, condition: 'damaged' },
        ],
        rma,
      ),
    ).toEqual([]);
    expect(receiptLineProblems([{ sku: 'MUG', quantity: 0, condition: 'resellable' }], rma)).toEqual([]);
  });

  it('refuses a SKU not on the RMA at any quantity, a SKU and condition twice, and more units than the RMA', () => {
    expect(receiptLineProblems([{ sku: 'TEE', quantity: 0, condition: 'resellable' }], rma)).toEqual([
      { path: 'lines.0.sku', message: 'TEE is not on return ORD-1/return-1' },
    ]);
    expect(
      receiptLineProblems(
        [
          { sku: 'MUG', quantity: 1, condition: 'resellable' },
          { sku: 'MUG', quantity: 1, condition: 'resellable' },
        ],
        rma,
      ),
    ).toEqual([
      {
        path: 'lines.1.sku',
        message: 'MUG (resellable) is listed more than once; put the whole quantity on one line',
      },
    ]);
    expect(
      receiptLineProblems(
        [
          { sku: 'MUG', quantity: 2, condition: 'resellable' },
          { sku: 'MUG', quantity: 1, condition: 'damaged' },
        ],
        rma,
      ),
    ).toEqual([{ path: 'lines.1.quantity', message: 'MUG: 3 received but 2 on the return' }]);
  });
});
