import type { Role } from '../../config';
import type { OrderAgent } from './order-agent';
import { randomInt, type OrderLine } from './plan';
import { problemDetail } from './findings';
import { CONFLICT, MALFORMED, NOT_FOUND, REFUSED, type Expectation } from './requests';
import { isTerminal, NOTHING_LEFT_TO_SHIP, WITH_CARRIER, type OrderView } from './views';

/**
 * The random walk's moves, as each role would make them: valid ones that move the order on, and hostile ones that
 * the system must refuse (or survive). Each has a weight for the order's state (0: not now) and returns what it
 * did, for the walk's log. Expectations are set only where the state the run observed makes the answer certain.
 */
export interface WalkAction {
  name: string;
  weight(agent: OrderAgent, view: OrderView): number;
  run(agent: OrderAgent, view: OrderView): Promise<void>;
}

const refuse = (why: string): Expectation => ({ statuses: REFUSED, why });
const malformed = (why: string): Expectation => ({ statuses: MALFORMED, why });
const conflict = (why: string): Expectation => ({ statuses: CONFLICT, why });

/** Statuses past approval: an approval decision can no longer be taken. */
const PAST_APPROVAL = [
  'AUTHORIZING',
  'ALLOCATED',
  'BACKORDERED',
  'PICKING',
  'PARTIALLY_SHIPPED',
  ...NOTHING_LEFT_TO_SHIP,
];
/** Statuses from which the order may reach its return window without the run's doing (the delivery timeout). */
const WITH_RETURN_WINDOW_SOON = ['SHIPPED', 'PARTIALLY_SHIPPED', 'ON_HOLD'];
/** Statuses before anything ships: what was charged stays as it is until the run itself confirms a pick. */
const BEFORE_SHIPPING = ['PENDING', 'AWAITING_APPROVAL', 'AUTHORIZING', 'ALLOCATED', 'BACKORDERED', 'PICKING'];

const approve: WalkAction = {
  name: 'approve',
  weight: (_, view) => (view.status === 'AWAITING_APPROVAL' ? 6 : 0.3),
  async run(agent, view) {
    const awaiting = view.status === 'AWAITING_APPROVAL';
    const stateRefuses =
      isTerminal(view.status) || PAST_APPROVAL.includes(view.status)
        ? conflict(`approving an order that is ${view.status}`)
        : undefined;
    const [first] = view.lines;
    const variants: [string, unknown, Expectation | undefined][] = [
      ['full', { note: 'adversary: approved' }, stateRefuses],
      [
        'reduced',
        { lines: [{ sku: first.sku, approvedQuantity: randomInt(agent.random, 0, Math.max(0, first.quantity - 1)) }] },
        stateRefuses,
      ],
      [
        'unknown-sku',
        { lines: [{ sku: `${agent.env.catalog.tag}-NO-SUCH-SKU`, approvedQuantity: 1 }] },
        refuse('an approval naming a SKU the order does not have'),
      ],
      [
        'excess',
        { lines: [{ sku: first.sku, approvedQuantity: first.quantity + randomInt(agent.random, 1, 3) }] },
        refuse('an approval above the ordered quantity'),
      ],
      [
        'duplicate-lines',
        {
          lines: [
            { sku: first.sku, approvedQuantity: first.quantity },
            { sku: first.sku, approvedQuantity: 1 },
          ],
        },
        stateRefuses,
      ],
      ['zero-everything', { lines: view.lines.map((line) => ({ sku: line.sku, approvedQuantity: 0 })) }, stateRefuses],
    ];
    const [variant, body, expect] = awaiting ? agent.pick(variants) : agent.pick(variants.slice(0, 2));
    await agent.keyedStep({
      action: 'approve',
      variant,
      path: `/v1/orders/${agent.id}/approve`,
      as: 'approver',
      body,
      otherBody: { note: 'adversary: another approval' },
      expect,
      status: view.status,
    });
  },
};

const reject: WalkAction = {
  name: 'reject',
  weight: (_, view) => (view.status === 'AWAITING_APPROVAL' ? 1 : 0.1),
  async run(agent, view) {
    const stable = isTerminal(view.status) || PAST_APPROVAL.includes(view.status);
    const empty = agent.chance(0.2);
    const body = { reason: empty ? '' : 'adversary: over budget' };
    await agent.keyedStep({
      action: 'reject',
      variant: empty ? 'empty-reason' : 'valid',
      path: `/v1/orders/${agent.id}/reject`,
      as: 'approver',
      body,
      otherBody: { reason: 'adversary: another reason' },
      expect: empty
        ? malformed('a rejection without a reason')
        : stable
          ? conflict(`rejecting an order that is ${view.status}`)
          : undefined,
      status: view.status,
    });
  },
};

const cancel: WalkAction = {
  name: 'cancel',
  weight: (_, view) => (isTerminal(view.status) ? 0.1 : 0.15),
  async run(agent, view) {
    const refused = isTerminal(view.status) || NOTHING_LEFT_TO_SHIP.includes(view.status);
    await agent.keyedStep({
      action: 'cancel',
      variant: 'requested',
      path: `/v1/orders/${agent.id}/cancel`,
      as: 'support',
      body: { reason: 'adversary: customer changed their mind' },
      otherBody: { reason: 'adversary: another reason' },
      expect: refused ? conflict(`cancelling an order that is ${view.status} (nothing left to ship)`) : undefined,
      status: view.status,
    });
  },
};

const resumeBackorder: WalkAction = {
  name: 'resume-backorder',
  weight: (_, view) => (view.status === 'BACKORDERED' || view.status === 'PARTIALLY_SHIPPED' ? 2 : 0.2),
  async run(agent, view) {
    const notWaiting = isTerminal(view.status) || ['AWAITING_APPROVAL', ...NOTHING_LEFT_TO_SHIP].includes(view.status);
    const hostileBody = agent.chance(0.15);
    const answer = await agent.send({
      method: 'POST',
      path: `/v1/orders/${agent.id}/resume-backorder`,
      as: 'support',
      body: hostileBody ? { now: true } : {},
      expect: hostileBody
        ? malformed('resume-backorder takes an empty body')
        : notWaiting
          ? conflict(`resuming an order that is ${view.status}, not waiting for stock`)
          : undefined,
    });
    agent.note(`resume-backorder ${hostileBody ? 'with-body' : 'plain'} while ${view.status}`, answer);
  },
};

/** `POST /v1/orders/:id/hold` and `/release` (being added: a 404 "no route" turns them off for the run). */
async function holdOrRelease(agent: OrderAgent, view: OrderView, action: 'hold' | 'release'): Promise<void> {
  const stable = isTerminal(view.status) || NOTHING_LEFT_TO_SHIP.includes(view.status);
  const notHeld = action === 'release' && view.status !== 'ON_HOLD' && stable;
  const answer = await agent.send({
    method: 'POST',
    path: `/v1/orders/${agent.id}/${action}`,
    as: 'support',
    body: action === 'hold' ? { reason: 'adversary: customer called' } : {},
    expect:
      (action === 'hold' && stable) || notHeld
        ? { statuses: [...CONFLICT, 404], why: `${action} of an order that is ${view.status}` }
        : undefined,
  });
  if (answer.status === 404 && /no route/i.test(problemDetail(answer.body) ?? '')) {
    if (agent.env.holds.supported === undefined) agent.env.log(`POST /v1/orders/:id/${action} is not there yet (404)`);
    agent.env.holds.supported = false;
  } else if (answer.status > 0 && answer.status < 500) agent.env.holds.supported = true;
  agent.note(`${action} - while ${view.status}`, answer);
}

const hold: WalkAction = {
  name: 'hold',
  weight: (agent, view) =>
    agent.env.holds.supported === false
      ? 0
      : isTerminal(view.status) || NOTHING_LEFT_TO_SHIP.includes(view.status)
        ? 0.1
        : 0.6,
  run: (agent, view) => holdOrRelease(agent, view, 'hold'),
};

const release: WalkAction = {
  name: 'release',
  weight: (agent, view) => (agent.env.holds.supported === false ? 0 : view.status === 'ON_HOLD' ? 4 : 0.1),
  run: (agent, view) => holdOrRelease(agent, view, 'release'),
};

const confirmPick: WalkAction = {
  name: 'confirm-pick',
  weight: (_, view) => (view.shipments.some((shipment) => shipment.pickList?.status === 'open') ? 5 : 0.15),
  async run(agent, view) {
    const lists = await agent.openPickLists();
    if (lists.length === 0) {
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/pick-lists/PL-${agent.env.catalog.tag}-NO-SUCH-LIST/confirm`,
        as: 'warehouse',
        body: {},
        expect: { statuses: NOT_FOUND, why: 'confirming a pick list that does not exist' },
      });
      return agent.note('confirm-pick unknown-list', answer);
    }
    const list = agent.pick(lists);
    const line = agent.pick(list.lines);
    const variants: [string, unknown, Expectation | undefined][] = [
      ['full', {}, undefined],
      ['full', { lines: list.lines.map((each) => ({ sku: each.sku, pickedQuantity: each.quantity })) }, undefined],
      [
        'short',
        { lines: [{ sku: line.sku, pickedQuantity: randomInt(agent.random, 0, line.quantity - 1) }] },
        undefined,
      ],
      [
        'excess',
        { lines: [{ sku: line.sku, pickedQuantity: line.quantity + randomInt(agent.random, 1, 5) }] },
        refuse('a pick confirmation above the pick list quantity'),
      ],
      [
        'foreign-sku',
        { lines: [{ sku: agent.foreignSku(), pickedQuantity: 1 }] },
        refuse('a pick confirmation for a SKU not on the pick list'),
      ],
      [
        'duplicate-lines',
        {
          lines: [
            { sku: line.sku, pickedQuantity: line.quantity },
            { sku: line.sku, pickedQuantity: line.quantity },
          ],
        },
        undefined,
      ],
      ['negative', { lines: [{ sku: line.sku, pickedQuantity: -1 }] }, malformed('a negative picked quantity')],
    ];
    const [variant, body, expect] = agent.pick(variants);
    const path = `/v1/pick-lists/${encodeURIComponent(list.id)}/confirm`;
    const answer = await agent.send({ method: 'POST', path, as: 'warehouse', body, expect });
    agent.note(`confirm-pick ${variant} ${list.id} ${JSON.stringify(body)} while ${view.status}`, answer);
    if (answer.status === 200 && agent.chance(0.3)) {
      const twice = await agent.send({
        method: 'POST',
        path,
        as: 'warehouse',
        body: {},
        expect: conflict('confirming a pick list a second time'),
      });
      agent.note(`confirm-pick again ${list.id}`, twice);
    }
  },
};

/** A carrier event, sent with the carrier key or signed with the webhook secret. */
function carrierEvent(agent: OrderAgent, shipmentId: string, body: Record<string, unknown>, expect?: Expectation) {
  const path = `/v1/shipments/${encodeURIComponent(shipmentId)}/events`;
  const sign = agent.env.signCarrierBody;
  if (sign && agent.chance(0.4))
    return agent.send({
      method: 'POST',
      path,
      as: null,
      body,
      headers: { 'x-oms-signature': sign(JSON.stringify(body)) },
      expect,
    });
  return agent.send({ method: 'POST', path, as: 'carrier', body, expect });
}

const carrier: WalkAction = {
  name: 'carrier-event',
  weight: (_, view) => (view.shipments.some((shipment) => WITH_CARRIER.includes(shipment.status)) ? 4 : 0.3),
  async run(agent, view) {
    const withCarrier = view.shipments.filter((shipment) => WITH_CARRIER.includes(shipment.status));
    const notWithCarrier = view.shipments.filter((shipment) =>
      ['allocated', 'picking', 'cancelled'].includes(shipment.status),
    );
    const at = () => new Date().toISOString();
    const roll = agent.random();
    if (withCarrier.length === 0 || roll < 0.15) {
      const unknown = `${agent.id}-S99`;
      const answer = await carrierEvent(
        agent,
        unknown,
        { status: 'in_transit', at: at() },
        { statuses: NOT_FOUND, why: 'a carrier event for a shipment that does not exist' },
      );
      return agent.note(`carrier unknown-shipment in_transit ${unknown}`, answer);
    }
    if (notWithCarrier.length > 0 && roll < 0.3) {
      const shipment = agent.pick(notWithCarrier);
      const answer = await carrierEvent(
        agent,
        shipment.id,
        { status: 'delivered', at: at() },
        conflict(`a delivery of shipment ${shipment.id}, which is ${shipment.status}`),
      );
      return agent.note(`carrier wrong-status delivered ${shipment.id} while ${shipment.status}`, answer);
    }
    if (roll < 0.38) {
      const body = { status: 'delivered', at: at() };
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/shipments/${encodeURIComponent(withCarrier[0].id)}/events`,
        as: null,
        body,
        headers: { 'x-oms-signature': 'ab'.repeat(32) },
        expect: { statuses: [401], why: 'a carrier event with a wrong signature' },
      });
      return agent.note(`carrier bad-signature delivered`, answer);
    }
    const shipment = agent.pick(withCarrier);
    const status = agent.pick(['in_transit', 'out_for_delivery', 'delivered', 'delivered', 'exception']);
    const body = { status, at: at(), ...(status === 'exception' ? { detail: 'adversary: parcel damaged' } : {}) };
    const answer = await carrierEvent(agent, shipment.id, body);
    agent.note(`carrier ${status} for ${shipment.id} (was ${shipment.status})`, answer);
    if (status === 'delivered' && answer.status === 200 && agent.chance(0.4)) {
      const again = await carrierEvent(agent, shipment.id, { status: 'delivered', at: at() });
      agent.note(`carrier delivered-again ${shipment.id}`, again);
    }
  },
};

const refund: WalkAction = {
  name: 'refund',
  weight: (agent, view) => (agent.charged(view) > 0 ? 2 : 0.2),
  async run(agent, view) {
    const charged = agent.charged(view);
    const left = charged - agent.credited(view);
    const shipped = agent.shippedSkus();
    const some = shipped.length > 0 ? agent.pick(shipped) : { sku: view.lines[0].sku, quantity: 0 };
    const nothingCharged = charged === 0 && (isTerminal(view.status) || BEFORE_SHIPPING.includes(view.status));
    const stateRefuses = nothingCharged ? refuse(`a refund of an order that was charged nothing`) : undefined;
    const reason = 'adversary: goodwill';
    const variants: [string, Record<string, unknown>, Expectation | undefined][] = [
      ['amount', { amount: randomInt(agent.random, 1, Math.max(1, Math.min(500, left))), reason }, stateRefuses],
      [
        'amount-excess',
        { amount: left + randomInt(agent.random, 1, 1000), reason },
        refuse('a refund above what is left of the charge'),
      ],
      ['amount-zero', { amount: 0, reason }, malformed('a refund of 0')],
      ['amount-negative', { amount: -100, reason }, malformed('a negative refund')],
      [
        'amount-and-lines',
        { amount: 100, lines: [{ sku: some.sku, quantity: 1 }], reason },
        malformed('a refund of an amount and lines'),
      ],
      [
        'lines',
        { lines: [{ sku: some.sku, quantity: 1 }], reason },
        some.quantity === 0 ? refuse('a refund of units never shipped') : undefined,
      ],
      [
        'lines-duplicate',
        {
          lines: [
            { sku: some.sku, quantity: Math.max(1, some.quantity) },
            { sku: some.sku, quantity: Math.max(1, some.quantity) },
          ],
          reason,
        },
        refuse(
          `a refund naming ${some.sku} twice, ${2 * Math.max(1, some.quantity)} units in all, of ${some.quantity} shipped`,
        ),
      ],
      [
        'lines-foreign',
        { lines: [{ sku: agent.foreignSku(), quantity: 1 }], reason },
        refuse('a refund of a SKU not on the order'),
      ],
      ['lines-zero', { lines: [{ sku: some.sku, quantity: 0 }], reason }, malformed('a refund of 0 units')],
      ['lines-negative', { lines: [{ sku: some.sku, quantity: -1 }], reason }, malformed('a refund of -1 units')],
      [
        'lines-excess',
        { lines: [{ sku: some.sku, quantity: some.quantity + 1 }], reason },
        refuse(`a refund of ${some.quantity + 1} units of ${some.sku}, ${some.quantity} shipped`),
      ],
    ];
    const [variant, body, expect] = agent.pick(variants);
    const answer = await agent.keyedStep<{ refundId?: string; amount?: number; creditNote?: string }>({
      action: 'refund',
      variant,
      path: `/v1/orders/${agent.id}/refunds`,
      as: 'support',
      body,
      otherBody: { ...body, reason: 'adversary: another reason' },
      expect,
      status: view.status,
    });
    agent.recordRefund(answer);
  },
};

const openReturn: WalkAction = {
  name: 'return',
  weight: (_, view) => (view.status === 'DELIVERED' ? 3 : 0.3),
  async run(agent, view) {
    const shipped = agent.shippedSkus();
    const some = shipped.length > 0 ? agent.pick(shipped) : { sku: view.lines[0].sku, quantity: 0 };
    const returnable = some.quantity - agent.unitsOnReturns(some.sku);
    // Only a DELIVERED order takes returns; a shipped one may become DELIVERED without the run (delivery timeout).
    const noReturns = ![...WITH_RETURN_WINDOW_SOON, 'DELIVERED'].includes(view.status);
    const resolution = agent.pick(['refund', 'exchange'] as const);
    const reason = 'adversary: not as pictured';
    const returnBody = (lines: OrderLine[]) => ({ lines, reason, resolution });
    const variants: [string, Record<string, unknown>, Expectation | undefined][] = [
      [
        'valid',
        returnBody([{ sku: some.sku, quantity: Math.max(1, randomInt(agent.random, 1, Math.max(1, returnable))) }]),
        noReturns ? refuse(`a return of an order that is ${view.status}, not in its return window`) : undefined,
      ],
      [
        'duplicate-lines',
        returnBody([
          { sku: some.sku, quantity: Math.max(1, some.quantity) },
          { sku: some.sku, quantity: Math.max(1, some.quantity) },
        ]),
        refuse(
          `a return naming ${some.sku} twice, ${2 * Math.max(1, some.quantity)} units in all, of ${some.quantity} shipped`,
        ),
      ],
      [
        'foreign-sku',
        returnBody([{ sku: agent.foreignSku(), quantity: 1 }]),
        refuse('a return of a SKU not on the order'),
      ],
      ['zero', returnBody([{ sku: some.sku, quantity: 0 }]), malformed('a return of 0 units')],
      ['negative', returnBody([{ sku: some.sku, quantity: -2 }]), malformed('a return of -2 units')],
      [
        'excess',
        returnBody([{ sku: some.sku, quantity: some.quantity + 1 }]),
        refuse(`a return of ${some.quantity + 1} units of ${some.sku}, ${some.quantity} shipped`),
      ],
    ];
    const [variant, body, expect] =
      view.status === 'DELIVERED' && agent.chance(0.5) ? variants[0] : agent.pick(variants);
    const answer = await agent.keyedStep<{ id?: string }>({
      action: 'return',
      variant,
      path: `/v1/orders/${agent.id}/returns`,
      as: 'support',
      body,
      otherBody: { ...body, reason: 'adversary: another reason' },
      identity: ['id'],
      expect,
      status: view.status,
    });
    if (answer.status === 201 && typeof answer.body.id === 'string')
      agent.returns.set(answer.body.id, {
        id: answer.body.id,
        lines: body.lines as OrderLine[],
        resolution,
        openedAt: Date.now(),
        received: false,
        leave: agent.chance(0.25),
      });
  },
};

const receiveReturn: WalkAction = {
  name: 'receive-return',
  weight: (agent) => ([...agent.returns.values()].some((opened) => !opened.received) ? 3 : 0.1),
  async run(agent) {
    const open = [...agent.returns.values()].filter((opened) => !opened.received);
    if (open.length === 0) {
      const answer = await agent.send({
        method: 'POST',
        path: `/v1/returns/${encodeURIComponent(`${agent.id}/return-99`)}/receive`,
        as: 'warehouse',
        body: { lines: [{ sku: agent.foreignSku(), quantity: 1, condition: 'resellable' }] },
        expect: { statuses: NOT_FOUND, why: 'receiving a return that does not exist' },
      });
      return agent.note('receive unknown-return', answer);
    }
    const opened = agent.pick(open);
    const condition = () => agent.pick(['resellable', 'resellable', 'damaged'] as const);
    const all = opened.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, condition: condition() }));
    const [first] = opened.lines;
    const variants: [string, { lines: unknown[] }, Expectation | undefined][] = [
      ['full', { lines: all }, undefined],
      [
        'partial',
        { lines: [{ sku: first.sku, quantity: Math.max(0, first.quantity - 1), condition: condition() }] },
        undefined,
      ],
      // Not on the RMA, but nothing of it: harmless at best; the order must still settle.
      [
        'foreign-sku-zero',
        { lines: [...all, { sku: agent.foreignSku(), quantity: 0, condition: 'resellable' }] },
        undefined,
      ],
      [
        'foreign-sku',
        { lines: [{ sku: agent.foreignSku(), quantity: 1, condition: 'resellable' }] },
        refuse('receiving a SKU that is not on the return'),
      ],
      [
        'excess',
        { lines: [{ sku: first.sku, quantity: first.quantity + 1, condition: 'resellable' }] },
        refuse(`receiving ${first.quantity + 1} units of ${first.sku}, ${first.quantity} on the return`),
      ],
      [
        'negative',
        { lines: [{ sku: first.sku, quantity: -1, condition: 'resellable' }] },
        malformed('receiving -1 units'),
      ],
    ];
    const [variant, body, expect] = agent.pick(variants);
    const path = `/v1/returns/${encodeURIComponent(opened.id)}/receive`;
    const answer = await agent.keyedStep({
      action: 'receive',
      variant: `${variant} ${opened.id}`,
      path,
      as: 'warehouse',
      body,
      otherBody: {
        lines: all.map((line) => ({ ...line, condition: line.condition === 'damaged' ? 'resellable' : 'damaged' })),
      },
      expect,
    });
    if (answer.status === 200) opened.received = true;
    if (answer.status === 200 && agent.chance(0.3)) {
      const twice = await agent.send({
        method: 'POST',
        path,
        as: 'warehouse',
        body: { lines: all },
        expect: conflict('receiving a return a second time'),
      });
      agent.note(`receive again ${opened.id}`, twice);
    }
  },
};

/** A net30 customer pays an invoice (admin records it): in part, in full, above the balance, twice by reference. */
const payInvoice: WalkAction = {
  name: 'pay-invoice',
  weight: (_, view) =>
    view.invoices.some((invoice) => invoice.kind === 'invoice') && view.payment.method === 'invoice' ? 1 : 0,
  async run(agent, view) {
    const invoice = agent.pick(view.invoices.filter((candidate) => candidate.kind === 'invoice'));
    const balance = invoice.total - invoice.amountPaid - invoice.amountCredited;
    const reference = agent.key('payment');
    const variants: [string, Record<string, unknown>, Expectation | undefined][] = [
      ['part', { amount: Math.max(1, Math.floor(balance / 2)), reference }, undefined],
      ['full', { amount: Math.max(1, balance), reference }, undefined],
      [
        'above-balance',
        { amount: balance + randomInt(agent.random, 1, 500), reference },
        conflict(`a payment above the ${balance} open on ${invoice.number}`),
      ],
      ['zero', { amount: 0, reference }, malformed('a payment of 0')],
    ];
    const [variant, body, expect] = agent.pick(variants);
    const path = `/v1/invoices/${encodeURIComponent(invoice.number)}/payments`;
    const answer = await agent.send({ method: 'POST', path, as: 'admin', body, expect });
    agent.note(`pay-invoice ${variant} ${invoice.number} ${JSON.stringify(body)} (balance ${balance})`, answer);
    if (answer.status === 201 && agent.chance(0.5)) {
      // The same reference again is the same payment (README, Money): 200, recorded once.
      const again = await agent.send({
        method: 'POST',
        path,
        as: 'admin',
        body,
        expect: { statuses: [200], why: 'a payment with a reference already recorded is the same payment' },
      });
      agent.note(`pay-invoice again ${invoice.number}`, again);
    }
  },
};

/** Requests a role may not make (403), or without a key (401). */
const wrongRole: WalkAction = {
  name: 'wrong-role',
  weight: () => 0.4,
  async run(agent) {
    const probes: [Role | null, string, unknown][] = [
      ['sales', `/v1/orders/${agent.id}/refunds`, { amount: 100, reason: 'adversary: not mine to give' }],
      ['warehouse', `/v1/orders/${agent.id}/approve`, {}],
      ['carrier', `/v1/orders/${agent.id}/cancel`, { reason: 'adversary: not mine to cancel' }],
      [
        'sales',
        '/v1/inventory/adjustments',
        { warehouse: 'EWR', sku: agent.env.catalog.skus.mug, delta: 5, reason: 'x' },
      ],
      [null, `/v1/orders/${agent.id}/cancel`, { reason: 'adversary: who am I' }],
    ];
    const allowed = probes.filter(([role]) => role === null || agent.env.distinctRoles.has(role));
    const [as, path, body] = agent.pick(allowed);
    const answer = await agent.send({
      method: 'POST',
      path,
      as,
      body,
      expect:
        as === null
          ? { statuses: [401], why: 'a request without an API key' }
          : { statuses: [403], why: `a ${as} key may not POST ${path.replace(agent.id, ':id')}` },
    });
    agent.note(`wrong-role ${as ?? 'no-key'} POST ${path}`, answer);
  },
};

/** Malformed bodies and unknown orders: 400 and 404 before anything reaches the order's workflow. */
const malformedRequest: WalkAction = {
  name: 'malformed',
  weight: () => 0.4,
  async run(agent) {
    const unknown = `ORD-${agent.env.catalog.tag}-NOSUCH`;
    const probes: [Role, string, unknown, Expectation][] = [
      ['support', `/v1/orders/${agent.id}/cancel`, { reason: 42 }, malformed('a cancel reason that is a number')],
      ['approver', `/v1/orders/${agent.id}/approve`, { lines: 'all' }, malformed('approval lines that are a string')],
      [
        'support',
        `/v1/orders/${agent.id}/refunds`,
        { reason: 'adversary' },
        malformed('a refund of neither amount nor lines'),
      ],
      [
        'support',
        `/v1/orders/${agent.id}/returns`,
        { lines: [], reason: 'x', resolution: 'refund' },
        malformed('a return of no lines'),
      ],
      [
        'support',
        `/v1/orders/${agent.id}/returns`,
        { lines: [{ sku: 'A', quantity: 1 }], reason: 'x', resolution: 'keep' },
        malformed('a return resolution that does not exist'),
      ],
      [
        'support',
        `/v1/orders/${unknown}/cancel`,
        { reason: 'adversary' },
        { statuses: NOT_FOUND, why: 'cancelling an order that does not exist' },
      ],
      [
        'approver',
        `/v1/orders/${unknown}/approve`,
        {},
        { statuses: NOT_FOUND, why: 'approving an order that does not exist' },
      ],
      [
        'support',
        `/v1/orders/${unknown}/refunds`,
        { amount: 1, reason: 'x' },
        { statuses: NOT_FOUND, why: 'refunding an order that does not exist' },
      ],
    ];
    const [as, path, body, expect] = agent.pick(probes);
    const answer = await agent.send({ method: 'POST', path, as, body, expect });
    agent.note(`malformed POST ${path} ${JSON.stringify(body)}`, answer);
  },
};

/** Orders that must never be placed: refused with every reason, nothing written. */
const hostilePlacement: WalkAction = {
  name: 'hostile-placement',
  weight: () => 0.3,
  async run(agent) {
    const { body } = agent.profile;
    const [line] = body.lines;
    const probes: [string, Role | null, unknown, Expectation][] = [
      [
        'duplicate SKU lines',
        'sales',
        { ...body, lines: [line, line] },
        { statuses: [422], why: 'an order listing one SKU twice (README, Interpretations)' },
      ],
      [
        'unknown customer',
        'sales',
        { ...body, customerId: `${agent.env.catalog.tag}-NOBODY` },
        { statuses: [422], why: 'an order of an unknown customer' },
      ],
      [
        'unknown SKU',
        'sales',
        { ...body, lines: [{ sku: `${agent.env.catalog.tag}-NOTHING`, quantity: 1 }] },
        { statuses: [422], why: 'an order of an unknown SKU' },
      ],
      ['zero quantity', 'sales', { ...body, lines: [{ ...line, quantity: 0 }] }, malformed('an order line of 0 units')],
      [
        'negative quantity',
        'sales',
        { ...body, lines: [{ ...line, quantity: -3 }] },
        malformed('an order line of -3 units'),
      ],
      [
        'fractional quantity',
        'sales',
        { ...body, lines: [{ ...line, quantity: 1.5 }] },
        malformed('an order line of 1.5 units'),
      ],
      ['no key', null, body, { statuses: [401], why: 'an order without an API key' }],
    ];
    if (agent.env.distinctRoles.has('warehouse'))
      probes.push([
        'warehouse key',
        'warehouse',
        body,
        { statuses: [403], why: 'a warehouse key may not place orders' },
      ]);
    const [what, as, hostileBody, expect] = agent.pick(probes);
    const answer = await agent.send({ method: 'POST', path: '/v1/orders', as, body: hostileBody, expect });
    agent.note(`hostile-placement ${what.replace(/ /g, '-')}`, answer);
  },
};

export const WALK_ACTIONS: readonly WalkAction[] = [
  approve,
  reject,
  cancel,
  resumeBackorder,
  hold,
  release,
  confirmPick,
  carrier,
  refund,
  openReturn,
  receiveReturn,
  payInvoice,
  wrongRole,
  malformedRequest,
  hostilePlacement,
];

/** One step of the walk: an action drawn by weight from those that fit the order's state. */
export async function walkStep(agent: OrderAgent, view: OrderView): Promise<void> {
  const weighted = WALK_ACTIONS.map((action) => [action, action.weight(agent, view)] as const).filter(
    ([, weight]) => weight > 0,
  );
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = agent.random() * total;
  const action = weighted.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? weighted[0][0];
  await action.run(agent, view);
}
