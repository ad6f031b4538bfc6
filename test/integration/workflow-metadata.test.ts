import type { temporal } from '@temporalio/proto';
import { orderBody, startOms, type TestOms } from '../support/oms';
import { eventually } from '../support/helpers';

/**
 * What operators read in the Temporal Web UI (SPEC section 5): a static summary and details per order, a summary on
 * every step's activity saying what it did, and current details while the order waits.
 */
describe('Temporal UI metadata', () => {
  let oms: TestOms;
  beforeAll(async () => {
    oms = await startOms();
  });
  afterAll(() => oms.close());

  async function place(body: Record<string, unknown>): Promise<string> {
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body });
    expect(placed.status).toBe(202);
    // The workflow starts just after the 202 (services/order-starts.ts): describe it only once it has.
    await oms.orderStarts.settled();
    return placed.body.id as string;
  }

  /** The workflow's current details, as the UI reads them through the built-in metadata query. */
  async function currentDetails(id: string): Promise<string> {
    const metadata = await oms.temporal.workflow
      .getHandle(id)
      .query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
    return metadata.currentDetails ?? '';
  }

  /** The summaries of the activities the order scheduled, in order, decoded as the UI decodes them. */
  async function activitySummaries(id: string): Promise<string[]> {
    const history = await oms.temporal.workflow.getHandle(id).fetchHistory();
    const converter = oms.temporal.options.loadedDataConverter;
    const summaries: string[] = [];
    for (const event of history.events ?? []) {
      const summary = event.userMetadata?.summary;
      if (!summary) continue;
      const scheduled = event.activityTaskScheduledEventAttributes ?? event.markerRecordedEventAttributes;
      if (!scheduled) continue;
      const [decoded] = await decodePayloads(converter, [summary]);
      summaries.push(converter.payloadConverter.fromPayload<string>(decoded));
    }
    return summaries;
  }

  it('shows a static summary with customer, lines and value, and no personal data', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }));
    const description = await oms.temporal.workflow.getHandle(id).describe();
    const summary = await description.staticSummary();
    const details = await description.staticDetails();
    expect(summary).toMatch(
      new RegExp(
        `^Order ${id} · customer CUST-ACME · 2 × MUG-BLK · \\d+\\.\\d{2} USD before discount, tax and shipping$`,
      ),
    );
    expect(details).toContain('| MUG-BLK | 2 |');
    expect(details).toContain('**Customer** CUST-ACME');
    const customer = (await oms.request('GET', '/v1/customers/CUST-ACME', { as: 'admin' })).body;
    for (const personal of [customer.name, customer.email, customer.address?.line1].filter(Boolean)) {
      expect(`${summary}\n${details}`).not.toContain(personal);
    }
  });

  it('gives every step a summary saying what it did', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'MUG-BLK', quantity: 2 }] }));
    const order = await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED', 'COMPLETED']);
    const shipmentId = order.shipments[0].id as string;
    const summaries = await eventually(
      () => activitySummaries(id),
      (found) => found.some((text) => text.startsWith('Invoice ')),
    );
    const captured = order.payments.find((payment: { type: string }) => payment.type === 'capture');
    expect(summaries).toEqual(
      expect.arrayContaining([
        `Validate ${id} against master data and price it`,
        expect.stringMatching(/^Authorize \d+\.\d{2} USD on the card$/),
        'Reserve 2 × MUG-BLK (round 1, ship_available)',
        expect.stringMatching(new RegExp(`^Send the pick list of ${shipmentId} to warehouse \\w+: 2 × MUG-BLK$`)),
        `Simulated warehouse picks PL-${shipmentId}`,
        expect.stringMatching(new RegExp(`^Hand ${shipmentId} \\(2 × MUG-BLK\\) to the carrier, `)),
        expect.stringMatching(new RegExp(`^Capture \\d+\\.\\d{2} USD for ${shipmentId}$`)),
        expect.stringMatching(new RegExp(`^Invoice \\d+\\.\\d{2} USD for ${shipmentId}$`)),
        // Read-model writes (local activities) carry the timeline messages they record, one write per workflow task
        // (the entries made before a payment or carrier step go with that step instead).
        expect.stringMatching(
          new RegExp(
            `^Captured \\d+ for ${shipmentId} · Invoice INV-\\S+ issued for ${shipmentId}: \\d+ · Every shippable`,
          ),
        ),
      ]),
    );
    if (captured)
      expect(summaries).toContain(`Capture ${(captured.amount.amount / 100).toFixed(2)} USD for ${shipmentId}`);
  });

  it('says what a waiting order waits for, and moves on once it no longer waits', async () => {
    const id = await place(orderBody({ lines: [{ sku: 'LAPTOP-14', quantity: 4 }] })); // above Acme's approval limit
    await oms.waitForStatus(id, 'AWAITING_APPROVAL');
    const waiting = await eventually(
      () => currentDetails(id),
      (details) => details.startsWith('Awaiting approval'),
    );
    expect(waiting).toMatch(
      /^Awaiting approval \(order total \d+ exceeds the customer's approval limit \d+\); rejected after 1m$/,
    );

    expect((await oms.request('POST', `/v1/orders/${id}/approve`, { as: 'approver', body: {} })).status).toBe(200);
    await oms.waitForStatus(id, ['SHIPPED', 'DELIVERED']);
    const after = await eventually(
      () => currentDetails(id),
      (details) => !details.startsWith('Awaiting approval'),
    );
    expect(after).toMatch(/^(\*\*SHIPPED\*\*|Simulated carrier delivers|\*\*DELIVERED\*\*|Return window open)/);
  });

  it('says which stock a backordered order waits for', async () => {
    // More than the warehouses hold together, within Initech's approval limit; wait_all reserves nothing meanwhile.
    const id = await place(
      orderBody({
        customerId: 'CUST-INITECH',
        lines: [{ sku: 'MUG-BLK', quantity: 5_000 }],
        backorderPolicy: 'wait_all',
      }),
    );
    await oms.waitForStatus(id, 'BACKORDERED');
    expect(
      await eventually(
        () => currentDetails(id),
        (details) => details.startsWith('Waiting for stock'),
      ),
    ).toBe('Waiting for stock of MUG-BLK; cancelled after 1m');
    expect(
      (await oms.request('POST', `/v1/orders/${id}/cancel`, { as: 'support', body: { reason: 'test over' } })).status,
    ).toBe(200);
  });
});

/** Runs the client's payload codecs (if any) backwards, as the UI does through the codec server. */
async function decodePayloads(
  converter: TestOms['temporal']['options']['loadedDataConverter'],
  payloads: temporal.api.common.v1.IPayload[],
): Promise<temporal.api.common.v1.IPayload[]> {
  let decoded = payloads;
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded;
}
