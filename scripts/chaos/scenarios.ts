import type { Knex } from 'knex';
import type { OrderStatus } from '../../domain/order';
import type { Role } from '../../config';
import type { OmsApiClient } from '../system/api-client';

/** A SKU the chaos run creates without stock: its orders backorder until the run's receipts bring units in. */
export const SCARCE_SKU = 'CHAOS-SCARCE';

/** What happens to an order besides running the pipeline: the mix a chaos run places. */
export const SCENARIOS = {
  plain: 26,
  net30: 10,
  declined: 4,
  approve: 6,
  'approve-reduced': 3,
  reject: 3,
  cancel: 9,
  backorder: 8,
  'backorder-wait-all': 3,
  unavailable: 3,
  refund: 8,
  'return-refund': 6,
  'return-exchange': 4,
  promotion: 4,
  expedite: 3,
} as const;
export type Scenario = keyof typeof SCENARIOS;

export interface PlannedOrder {
  index: number;
  scenario: Scenario;
  body: Record<string, unknown>;
}

export interface TrackedOrder {
  plan: PlannedOrder;
  id: string;
  status: OrderStatus | 'UNKNOWN';
  /** The status the follow-up steps last looked at. */
  actedOn?: OrderStatus | 'UNKNOWN';
  /** Follow-up steps taken (approve, return, ...), so each is taken once. */
  done: Set<string>;
  failures: Map<string, number>;
}

const EVERYDAY = ['MUG-BLK', 'TEE-M', 'BEANS-1KG'];

/** `count` orders in the mix of SCENARIOS, shuffled by `random`. */
export function planOrders(count: number, random: () => number): PlannedOrder[] {
  const weights = Object.entries(SCENARIOS) as [Scenario, number][];
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const everyday = () => {
    const skus = [...EVERYDAY].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 2));
    return skus.map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3) }));
  };
  const card = (token = 'tok_ok') => ({ method: 'card', token });
  return Array.from({ length: count }, (_, index) => {
    let roll = random() * total;
    const scenario = weights.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'plain';
    const base = { customerId: pick(['CUST-ACME', 'CUST-INITECH']), lines: everyday(), payment: card() };
    const laptops = { customerId: 'CUST-ACME', lines: [{ sku: 'LAPTOP-14', quantity: 4 }], payment: card() }; // above ACME's approval limit
    const bodies: Record<Scenario, Record<string, unknown>> = {
      plain: base,
      net30: { customerId: 'CUST-GLOBEX', lines: everyday(), payment: { method: 'invoice' } },
      declined: { ...base, payment: card('tok_decline') },
      approve: laptops,
      'approve-reduced': { ...laptops, lines: [...laptops.lines, { sku: 'MUG-BLK', quantity: 1 }] },
      reject: laptops,
      cancel: base,
      backorder: {
        ...base,
        lines: [
          { sku: SCARCE_SKU, quantity: 1 + Math.floor(random() * 2) },
          { sku: 'MUG-BLK', quantity: 1 },
        ],
      },
      'backorder-wait-all': {
        ...base,
        backorderPolicy: 'wait_all',
        lines: [
          { sku: SCARCE_SKU, quantity: 1 },
          { sku: 'TEE-M', quantity: 1 },
        ],
      },
      unavailable: {
        ...base,
        backorderPolicy: 'cancel_unavailable',
        lines: [
          { sku: SCARCE_SKU, quantity: 1 },
          { sku: 'BEANS-1KG', quantity: 1 },
        ],
      },
      refund: base,
      'return-refund': base,
      'return-exchange': base,
      promotion: { ...base, promotionCode: 'FIVEOFF' },
      expedite: { ...base, expedite: true },
    };
    return { index, scenario, body: bodies[scenario] };
  });
}

export type Tally = Map<string, number>;
export const count = (tally: Tally, what: string, by = 1) => tally.set(what, (tally.get(what) ?? 0) + by);

/**
 * The people around the orders: approvers, support (cancel, refund, returns) and the warehouse receiving
 * returned goods. Each step is taken once per order, with an Idempotency-Key, so a retry never doubles a refund
 * or a return.
 */
export class OrderActors {
  constructor(
    private readonly api: OmsApiClient,
    private readonly db: Knex,
    readonly actions: Tally,
    private readonly errors: string[],
  ) {}

  /** Places the order; the Idempotency-Key makes the retries after 5xx answers safe. */
  async place(plan: PlannedOrder, runId: string): Promise<string> {
    const reply = await this.api.send<{ id: string; detail?: string }>('POST', '/v1/orders', {
      as: 'sales',
      body: plan.body,
      headers: { 'idempotency-key': `chaos-${runId}-${plan.index}` },
    });
    if (reply.status !== 202)
      throw new Error(
        `placing order ${plan.index} (${plan.scenario}) answered ${reply.status}: ${JSON.stringify(reply.body)}`,
      );
    return reply.body.id;
  }

  /** What to do for this order now that it is in `status` (nothing, most of the time). */
  async act(order: TrackedOrder): Promise<void> {
    const { scenario } = order.plan;
    const status = order.status;
    // Each step once; a step that failed (the API kept answering 5xx) is taken again at a later tick, a few times.
    const once = async (step: string, run: () => Promise<void>) => {
      if (order.done.has(step)) return;
      order.done.add(step);
      try {
        await run();
        order.failures.delete(step);
      } catch (error) {
        const failures = (order.failures.get(step) ?? 0) + 1;
        order.failures.set(step, failures);
        if (failures < 5) return void order.done.delete(step);
        order.failures.delete(step);
        this.errors.push(`${order.id} (${scenario}) ${step} failed ${failures} times: ${(error as Error).message}`);
      }
    };
    const steps: Record<string, () => Promise<void>> = {
      cancel: () => this.cancel(order),
      reject: () => this.decide(order, 'reject', { reason: 'chaos: over budget' }),
      approve: () =>
        this.decide(
          order,
          'approve',
          scenario === 'approve-reduced'
            ? { lines: [{ sku: 'LAPTOP-14', approvedQuantity: 1 }], note: 'chaos: one will do' }
            : {},
        ),
      refund: () => this.refund(order),
      return: () => this.returnGoods(order),
    };
    // A step whose outcome is unknown (5xx until the deadline) is sent again whatever the order shows now: the read
    // model may show progress of a workflow task that died with the worker, taking the request with it. The same
    // Idempotency-Key makes the repeat harmless when the first did land.
    for (const step of order.failures.keys()) await once(step, steps[step]);
    if (scenario === 'cancel') await once('cancel', steps.cancel);
    if (status === 'AWAITING_APPROVAL')
      await once(scenario === 'reject' ? 'reject' : 'approve', steps[scenario === 'reject' ? 'reject' : 'approve']);
    if (scenario === 'refund' && (status === 'DELIVERED' || status === 'COMPLETED')) await once('refund', steps.refund);
    if ((scenario === 'return-refund' || scenario === 'return-exchange') && status === 'DELIVERED')
      await once('return', steps.return);
  }

  /**
   * Sends an order's step with an Idempotency-Key (the API makes it the Temporal Update ID), so the retries after
   * a 5xx apply it once. A 409 while the order still shows `whileStatus` is retried too: the read model can be a
   * step ahead of the workflow when the worker died in the middle of the workflow task that wrote it.
   */
  private async step<T = Record<string, unknown>>(
    order: TrackedOrder,
    step: string,
    path: string,
    as: Role,
    body: unknown,
    whileStatus?: OrderStatus,
  ) {
    const headers = { 'idempotency-key': `chaos-${order.id}-${step}` };
    for (let attempt = 1; ; attempt++) {
      const reply = await this.api.send<T>('POST', path, { as, body, headers });
      if (reply.status !== 409 || !whileStatus || attempt >= 30) return reply;
      const now = (await this.db('orders').where({ id: order.id }).first('status'))?.status;
      if (now !== whileStatus) return reply;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }

  private async cancel(order: TrackedOrder): Promise<void> {
    // Cancel at different stages: at once, or after the pipeline has had a moment.
    await new Promise((resolve) => setTimeout(resolve, (order.plan.index % 4) * 700));
    const reply = await this.step(order, 'cancel', `/v1/orders/${order.id}/cancel`, 'support', {
      reason: 'chaos: customer changed their mind',
    });
    count(this.actions, reply.status === 200 ? 'cancel accepted' : `cancel refused (${reply.status})`);
  }

  private async decide(
    order: TrackedOrder,
    decision: 'approve' | 'reject',
    body: Record<string, unknown>,
  ): Promise<void> {
    const reply = await this.step(
      order,
      decision,
      `/v1/orders/${order.id}/${decision}`,
      'approver',
      body,
      'AWAITING_APPROVAL',
    );
    count(
      this.actions,
      reply.status === 200
        ? decision === 'approve'
          ? 'approved'
          : 'rejected'
        : `${decision} answered ${reply.status}`,
    );
  }

  /** A goodwill refund: by Update while the order runs, by a refund workflow once it has completed. */
  private async refund(order: TrackedOrder): Promise<void> {
    const reply = await this.step(order, 'refund', `/v1/orders/${order.id}/refunds`, 'support', {
      amount: 100,
      reason: 'chaos: goodwill',
    });
    count(
      this.actions,
      reply.status === 201
        ? `refund (${order.status === 'COMPLETED' ? 'completed order' : 'running order'})`
        : `refund answered ${reply.status}`,
    );
  }

  /** An RMA for one unit, then the goods arrive at the warehouse. */
  private async returnGoods(order: TrackedOrder): Promise<void> {
    const line = (order.plan.body.lines as { sku: string }[])[0];
    const resolution = order.plan.scenario === 'return-exchange' ? 'exchange' : 'refund';
    // A request whose answer was lost may have opened the return: the warehouse receives what the records show.
    const recorded: { id: string } | undefined = await this.db('returns').where({ order_id: order.id }).first('id');
    const opened = recorded
      ? { status: 201, body: recorded }
      : await this.step<{ id: string }>(
          order,
          'return',
          `/v1/orders/${order.id}/returns`,
          'support',
          { lines: [{ sku: line.sku, quantity: 1 }], reason: 'chaos: not as pictured', resolution },
          'DELIVERED',
        );
    if (opened.status !== 201) return void count(this.actions, `return refused (${opened.status}: window closed)`);
    count(this.actions, recorded ? `return found in the records (${resolution})` : `return opened (${resolution})`);
    const condition = resolution === 'exchange' ? 'damaged' : 'resellable';
    const received = await this.step(
      order,
      'receive',
      `/v1/returns/${encodeURIComponent(opened.body.id)}/receive`,
      'warehouse',
      { lines: [{ sku: line.sku, quantity: 1, condition }] },
    );
    count(this.actions, received.status === 200 ? 'return received' : `return receipt answered ${received.status}`);
  }
}
