import { createLogger, errorSummary, findOrderId } from '../../observability/logger';
import { PinoSdkLogger } from '../../observability/temporal-runtime';

const capture = () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
};

describe('observability: logger', () => {
  it('writes JSON lines with level names and masks keys and personal data wherever they turn up', () => {
    const { logger, records } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer secret-key' } },
        customer: { email: 'buyer@acme.example' },
        shippingAddress: { name: 'Jane' },
      },
      'hello',
    );
    const [line] = records();
    expect(line).toMatchObject({
      level: 'info',
      service: 'oms',
      msg: 'hello',
      req: { headers: { authorization: '[redacted]' } },
      customer: { email: '[redacted]' },
      shippingAddress: '[redacted]',
    });
    expect(JSON.stringify(line)).not.toMatch(/secret-key|buyer@acme|Jane/);
  });

  it("summarizes errors without their extras (a pg error's detail quotes the row)", () => {
    const error = Object.assign(new Error('new row violates check constraint'), {
      code: '23514',
      detail: 'Failing row contains (ORD-1, Jane Privacy, 77 Secret Lane)',
    });
    expect(errorSummary(error)).toEqual({
      type: 'Error',
      message: 'new row violates check constraint',
      code: '23514',
      stack: expect.any(String),
    });
    expect(errorSummary('plain')).toEqual({ type: 'string', message: 'plain' });
  });

  it('finds order IDs in workflow IDs and paths', () => {
    expect(findOrderId('ORD-Z5F4R6037AGD/return-1')).toBe('ORD-Z5F4R6037AGD');
    expect(findOrderId('/v1/pick-lists/PL-ORD-Z5F4R6037AGD-S1/confirm')).toBe('ORD-Z5F4R6037AGD');
    expect(findOrderId('restock/receipt:EWR:MUG-BLK:po-1')).toBeUndefined();
  });
});

describe('observability: the Temporal SDK logger', () => {
  it('filters by level, names the order, keeps errors and drops task tokens', () => {
    const { logger, records } = capture();
    const sdk = new PinoSdkLogger(logger, 'WARN');
    sdk.info('Workflow bundle created');
    sdk.error('Workflow task failed', {
      workflowId: 'ORD-ABC123/return-2',
      taskToken: 'dG9rZW4=',
      error: new Error('boom'),
    });
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'Workflow task failed',
        workflowId: 'ORD-ABC123/return-2',
        orderId: 'ORD-ABC123',
        err: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
    expect(records()[0]).not.toHaveProperty('taskToken');
  });

  it("leaves an activity attempt's outcome to the worker's interceptor (debug only)", () => {
    const { logger, records } = capture();
    new PinoSdkLogger(logger, 'WARN').warn('Activity failed', {
      activityId: '5',
      activityType: 'authorizePayment',
      error: new Error('declined'),
    });
    expect(records()).toEqual([]);
    new PinoSdkLogger(logger, 'DEBUG').warn('Activity failed', { activityId: '5', activityType: 'authorizePayment' });
    expect(records()).toEqual([expect.objectContaining({ level: 'debug', msg: 'Activity failed' })]);
  });
});
