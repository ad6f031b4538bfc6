import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ENCRYPTED_ENCODING, EncryptionCodec, generateCodecKey, KEY_ID_METADATA } from '../../temporal/codec';
import { startCodecServer, type RunningCodecServer } from '../../temporal/codec-server';
import { sharedServers } from '../support/servers';
import { orderBody, startOms, type TestOms } from '../support/oms';

type History = temporal.api.history.v1.IHistory;

/**
 * The whole proto object as text, every byte field shown both as UTF-8 and as base64, so plain JSON inside a
 * payload cannot hide. (Walked by hand: a proto message's own toJSON would show bytes as base64 only.)
 */
function serialize(value: unknown): string {
  const plain = (item: unknown): unknown => {
    if (item instanceof Uint8Array)
      return { utf8: Buffer.from(item).toString('utf8'), base64: Buffer.from(item).toString('base64') };
    if (Array.isArray(item)) return item.map(plain);
    if (item && typeof item === 'object')
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, plain(child)]));
    return item;
  };
  return JSON.stringify(plain(value));
}

/** Every Temporal payload in a proto object (history events, describe results). */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) value.forEach((item) => payloadsIn(item, found));
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const record = value as Record<string, unknown>;
    const metadata = record.metadata as Record<string, unknown> | undefined;
    if (metadata && metadata.encoding instanceof Uint8Array) found.push(record as Payload);
    else Object.values(record).forEach((child) => payloadsIn(child, found));
  }
  return found;
}

const encodingOf = (payload: Payload) => Buffer.from(payload.metadata!.encoding!).toString();
const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value!).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

/**
 * SPEC section 5: customer personal data is encrypted in Temporal payloads. The history as the server stores
 * it (read without the codec) holds none of it; through the codec server it is all there.
 */
describe('personal data in Temporal payloads', () => {
  let oms: TestOms;
  let plain: Connection;
  let codecServer: RunningCodecServer;
  const suffix = randomBytes(3).toString('hex');
  const customerId = `CUST-PII-${suffix}`;
  const pii = {
    customerName: `Quaxworthy Fennimore Holdings ${suffix}`,
    email: `zebulon.quaxworthy.${suffix}@fennimore.example`,
    personName: `Zebulon Quaxworthy ${suffix}`,
    line1: `4471 Quincunx Boulevard ${suffix}`,
    city: `Xylophone Springs ${suffix}`,
  };
  const uiOrigin = 'http://localhost:8233';
  let orderId: string;
  let history: History;

  beforeAll(async () => {
    oms = await startOms();
    plain = await Connection.connect({ address: sharedServers().temporalAddress });
    codecServer = await startCodecServer({
      codecKeys: oms.temporalSettings.codecKeys,
      temporalNamespace: 'default',
      codecServer: { host: '127.0.0.1', port: 0, corsOrigins: [uiOrigin] },
    });
    const customer = await oms.request('POST', '/v1/customers', {
      body: {
        id: customerId,
        name: pii.customerName,
        email: pii.email,
        currency: 'USD',
        approvalLimit: 1_000_000,
        address: {
          name: pii.personName,
          line1: pii.line1,
          city: pii.city,
          region: 'NJ',
          postalCode: '07001',
          country: 'US',
        },
      },
    });
    expect(customer.status).toBe(201);
    const placed = await oms.request('POST', '/v1/orders', { as: 'sales', body: orderBody({ customerId }) });
    expect(placed.status).toBe(202);
    orderId = placed.body.id;
    await oms.waitForStatus(orderId, ['SHIPPED', 'DELIVERED']);
    history = await rawHistory(orderId);
  });
  afterAll(async () => {
    await codecServer?.close();
    await plain?.close();
    await oms?.close();
  });

  /** The history as the server stores it, read by a connection without any codec. */
  async function rawHistory(workflowId: string): Promise<History> {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await plain.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return { events };
  }

  async function codecCall(
    route: string,
    init: { body?: string; headers?: Record<string, string>; method?: string } = {},
  ) {
    const response = await fetch(`${codecServer.url}${route}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...init.headers },
      body: init.body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  it('stores no name, email or address in the raw history, only encrypted payloads', () => {
    const raw = serialize(history).toLowerCase();
    for (const value of Object.values(pii)) expect(raw).not.toContain(value.toLowerCase());
    // The serialization reaches the events and the payload bytes: the order ID and the encoding are readable.
    expect(raw).toContain(orderId.toLowerCase());
    expect(raw).toContain(ENCRYPTED_ENCODING);

    const payloads = payloadsIn(history.events);
    expect(payloads.length).toBeGreaterThan(20);
    // Left plain by design: search attributes (the server indexes them; they hold the customer ID only) and
    // the markers' bookkeeping that Core writes itself: local activities (sequence, attempt, activity type,
    // times) and patches (the patch ID, e.g. "database-steps-as-local-activities").
    const plainByDesign = payloadsIn(
      history.events!.map((event) => [
        event.workflowExecutionStartedEventAttributes?.searchAttributes,
        event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes,
        event.markerRecordedEventAttributes?.details?.data,
        event.markerRecordedEventAttributes?.details?.['patch-data'],
      ]),
    );
    const encoded = payloads.filter((payload) => !plainByDesign.includes(payload));
    expect(plainByDesign.length).toBeGreaterThan(0);
    expect(encoded.map(encodingOf).filter((encoding) => encoding !== ENCRYPTED_ENCODING)).toEqual([]);
    expect(new Set(encoded.map((payload) => Buffer.from(payload.metadata![KEY_ID_METADATA]!).toString()))).toEqual(
      new Set([oms.temporalSettings.codecKeys[0].id]),
    );
  });

  it('shows the personal data through the codec server, as the Temporal UI does', async () => {
    const payloads = payloadsIn(history.events).filter((payload) => encodingOf(payload) === ENCRYPTED_ENCODING);
    const decoded = await codecCall('/decode', { body: JSON.stringify({ payloads: payloads.map(asJson) }) });
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toHaveLength(payloads.length);
    const text = decoded.body.payloads
      .map((payload: { data: string }) => Buffer.from(payload.data, 'base64').toString('utf8'))
      .join('\n');
    // The workflow carries the shipping address (the customer's); the customer's name and email never enter it.
    for (const value of [pii.personName, pii.line1, pii.city]) expect(text).toContain(value);
    expect(
      decoded.body.payloads.map((payload: { metadata: { encoding: string } }) =>
        Buffer.from(payload.metadata.encoding, 'base64').toString(),
      ),
    ).toContain('json/plain');
  });

  it('encrypts the static summary and details (user metadata) and keeps them and the search attributes free of personal data', async () => {
    const described = await plain.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: orderId },
    });
    // TS SDK 1.24 runs user metadata through the payload codec: without the codec server the UI cannot read it.
    const metadata = described.executionConfig!.userMetadata!;
    expect([metadata.summary, metadata.details].map((payload) => encodingOf(payload!))).toEqual([
      ENCRYPTED_ENCODING,
      ENCRYPTED_ENCODING,
    ]);

    const handle = oms.temporal.workflow.getHandle(orderId);
    const description = await handle.describe();
    const summary = (await description.staticSummary())!;
    const details = (await description.staticDetails())!;
    expect(summary).toContain(customerId);
    expect(details).toContain(customerId);
    const attributes = description.searchAttributes as Record<string, unknown[]>;
    expect(attributes.CustomerId).toEqual([customerId]);
    const visible =
      `${summary}\n${details}\n${serialize(described.workflowExecutionInfo?.searchAttributes)}`.toLowerCase();
    for (const value of Object.values(pii)) expect(visible).not.toContain(value.toLowerCase());
  });

  it('encodes and decodes over HTTP (Temporal remote codec protocol)', async () => {
    const original = defaultPayloadConverter.toPayload({ name: pii.personName })!;
    const encoded = await codecCall('/encode', { body: JSON.stringify({ payloads: [asJson(original)] }) });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('content-type')).toBe('application/json');
    const [ciphertext] = encoded.body.payloads;
    expect(Buffer.from(ciphertext.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(ciphertext.data, 'base64').toString()).not.toContain('Zebulon');
    const decoded = await codecCall('/decode', { body: JSON.stringify({ payloads: [ciphertext] }) });
    expect(decoded.body).toEqual({ payloads: [asJson(original)] });
    // The UI may be configured with a trailing slash.
    expect((await codecCall('//decode', { body: JSON.stringify({ payloads: [ciphertext] }) })).body).toEqual({
      payloads: [asJson(original)],
    });
    // The CLI's `--codec-endpoint 'http://host/{namespace}'` puts the namespace in the path.
    expect(
      (
        await codecCall('/default/decode', {
          body: JSON.stringify({ payloads: [ciphertext] }),
          headers: { 'x-namespace': '' },
        })
      ).body,
    ).toEqual({ payloads: [asJson(original)] });
    expect(
      (
        await codecCall('/payments/decode', {
          body: JSON.stringify({ payloads: [ciphertext] }),
          headers: { 'x-namespace': '' },
        })
      ).status,
    ).toBe(403);
  });

  it('answers bad input with 400 problem+json and refuses other namespaces and unknown keys', async () => {
    for (const body of [
      'not json',
      '{}',
      '{"payloads":{}}',
      '{"payloads":[1]}',
      '{"payloads":[{"data":"%%%"}]}',
      '{"payloads":[{"metadata":{"encoding":7}}]}',
    ]) {
      const answer = await codecCall('/decode', { body });
      expect([body, answer.status, answer.headers.get('content-type')]).toEqual([
        body,
        400,
        'application/problem+json',
      ]);
      expect(answer.body.detail).toEqual(expect.any(String));
    }
    expect((await codecCall('/decode', { body: '{"payloads":[{"data":"%%%"}]}' })).body.detail).toBe(
      'payloads[0].data: must be a base64 string',
    );
    const otherNamespace = await codecCall('/decode', {
      body: '{"payloads":[]}',
      headers: { 'x-namespace': 'payments' },
    });
    expect([otherNamespace.status, otherNamespace.body.detail]).toEqual([
      403,
      'this codec server serves namespace "default", not "payments"',
    ]);

    const [foreign] = await new EncryptionCodec([generateCodecKey()]).encode([defaultPayloadConverter.toPayload('x')!]);
    const unknownKey = await codecCall('/decode', { body: JSON.stringify({ payloads: [asJson(foreign)] }) });
    expect(unknownKey.status).toBe(422);
    expect(unknownKey.body.detail).toMatch(/which is not among the configured keys/);
    expect((await codecCall('/elsewhere', { body: '{}' })).status).toBe(404);
    expect((await codecCall('/decode', { method: 'GET' })).status).toBe(405);
  });

  it("lets the Temporal UI's origin call it from a browser and no other origin", async () => {
    const preflight = await fetch(`${codecServer.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(
      expect.stringContaining('x-namespace'),
    );
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = await codecCall('/decode', { body: '{"payloads":[]}', headers: { origin: uiOrigin } });
    expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([200, uiOrigin]);
    const foreign = await codecCall('/decode', { body: '{"payloads":[]}', headers: { origin: 'http://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
