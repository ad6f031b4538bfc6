import { DEFAULT_RISK_RULES } from '../../domain/risk';
import { orderBody, startOms, type TestOms } from '../support/oms';

/**
 * Risk rules (SPEC section 3, "Holds") on the real stack: a customer's first order above OMS_RISK_FIRST_ORDER_LIMIT,
 * or one shipping to another country than the customer's, waits ON_HOLD (`risk: ...`) before its next step until
 * support releases it.
 */
describe('risk holds', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms({ settings: { riskRules: DEFAULT_RISK_RULES, returnWindowMs: 1_000 } });
  });
  afterAll(() => oms?.close());

  async function newCustomer(id: string, country = 'US') {
    const created = await oms.request('POST', '/v1/customers', {
      body: {
        id,
        name: `Risky ${id}`,
        email: `${id.toLowerCase()}@shop.test`,
        currency: 'USD',
        approvalLimit: 100_000_000,
        address: { name: 'Dock', line1: '1 Pier Rd', city: 'Newark', region: 'NJ', postalCode: '07102', country },
      },
    });
    expect(created.status).toBe(201);
  }

  const place = async (customerId: string, overrides: Record<string, unknown> = {}) =>
    (await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ customerId, ...overrides }) })).body
      .id as string;

  it('holds a large first order until support releases it; the next large order goes straight through', async () => {
    await newCustomer('RISK-1');
    // 40 mugs are well above the 1000.00 USD first-order limit.
    const first = await place('RISK-1', { lines: [{ sku: 'MUG-BLK', quantity: 100 }] });
    const held = await oms.waitForStatus(first, 'ON_HOLD');
    expect(held.holdReason).toMatch(/^risk: first order of the customer, total .* above 1000\.00 USD$/);
    // Within every approval quota, it stops before the payment is authorized.
    expect(held.heldFrom).toBe('AUTHORIZING');
    expect(held.payments).toEqual([]);

    const released = await oms.request('POST', `/v1/orders/${first}/release`, { as: 'support' });
    expect(released.status).toBe(200);
    await oms.waitForStatus(first, ['SHIPPED', 'DELIVERED', 'COMPLETED']);

    const second = await place('RISK-1', { lines: [{ sku: 'MUG-BLK', quantity: 100 }] });
    await oms.waitForStatus(second, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    const { timeline } = (await oms.request('GET', `/v1/orders/${second}`)).body;
    expect(timeline.some((entry: { status: string }) => entry.status === 'ON_HOLD')).toBe(false);
  });

  it('a small first order is not held; one shipping abroad is, and cancelling it while held compensates', async () => {
    await newCustomer('RISK-2');
    const small = await place('RISK-2');
    await oms.waitForStatus(small, ['SHIPPED', 'DELIVERED', 'COMPLETED']);

    const abroad = await place('RISK-2', {
      shippingAddress: {
        name: 'Depot',
        line1: '9 Rue Haute',
        city: 'Lyon',
        region: 'ARA',
        postalCode: '69001',
        country: 'FR',
      },
    });
    const held = await oms.waitForStatus(abroad, 'ON_HOLD');
    expect(held.holdReason).toBe('risk: ships to FR, the customer is in US');
    const cancelled = await oms.request('POST', `/v1/orders/${abroad}/cancel`, {
      as: 'support',
      body: { reason: 'address not confirmed' },
    });
    expect(cancelled.body.status).toBe('CANCELLED');
    // Held before allocation: nothing was reserved, every unit is cancelled.
    const order = (await oms.request('GET', `/v1/orders/${abroad}`)).body;
    expect(order.lines.map((line: { reservedQuantity: number }) => line.reservedQuantity)).toEqual([0]);
    expect(order.lines[0].cancelledQuantity).toBe(order.lines[0].quantity);
  });
});
