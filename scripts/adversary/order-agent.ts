import type { Role } from '../../config';
import type { ApiExchange } from '../system/api-client';
import type { RunCatalog } from './catalog';
import { chance, pick, type OrderLine, type OrderProfile } from './plan';
import {
  succeeded,
  type Expectation,
  type KeyedSpec,
  type KeyMode,
  type RequestSpec,
  type Requester,
} from './requests';
import type { OrderView, PickListView } from './views';

/** The system's timeouts, as the run set them (own system) or was told them (`--url`). */
export interface SystemTimeouts {
  approvalMs: number;
  backorderMs: number;
  returnWindowMs: number;
  deliveryMs: number;
  returnReceiptMs: number;
  holdMs: number;
}

/** What every order's agent shares. */
export interface AdversaryEnv {
  requester: Requester;
  catalog: RunCatalog;
  /** Roles with a key of their own: only those can be shown a 403 (a role without one uses the admin key). */
  distinctRoles: ReadonlySet<Role>;
  /** Whether `POST /v1/orders/:id/hold` exists (undefined until a request tells). */
  holds: { supported?: boolean };
  /** Signs a carrier event's raw body (X-OMS-Signature), when the run knows the webhook secret. */
  signCarrierBody?: (rawBody: string) => string;
  timeouts: SystemTimeouts;
  /** How long after a timeout the run waits for the system to act on it. */
  graceMs: number;
  /** Receives stock for waiting orders (one reference per receipt). */
  receiveStock(sku: string, quantity: number, orderId: string): Promise<void>;
  log(message: string): void;
}

/** A return the run opened: what it holds, and whether the run will receive its goods or let it time out. */
export interface OpenedReturn {
  id: string;
  lines: OrderLine[];
  resolution: 'refund' | 'exchange';
  openedAt: number;
  received: boolean;
  /** Left unreceived at rest, to see it CLOSED after OMS_RETURN_RECEIPT_TIMEOUT. */
  leave: boolean;
  /** When the run last tried to receive it (a refused receipt is not tried again at once). */
  lastReceiptAttempt?: number;
  reportedOverdue?: boolean;
}

/** One order's actor: it places the order, walks it through valid and hostile requests, and drives it to rest. */
export class OrderAgent {
  id = '';
  view?: OrderView;
  readonly returns = new Map<string, OpenedReturn>();
  /** Refunds the system accepted (201), by refund ID. */
  readonly refunds = new Map<string, { amount: number; creditNote: string }>();
  /** Refund requests whose outcome is unknown (no answer): the credit note count can only be bounded then. */
  uncertainRefunds = 0;
  /** The walk as it happened: one line per action with its variant, key mode and answer. */
  readonly steps: string[] = [];
  private keys = 0;

  constructor(
    readonly profile: OrderProfile,
    readonly random: () => number,
    readonly env: AdversaryEnv,
    private readonly runTag: string,
  ) {}

  /** A fresh Idempotency-Key, named after the order and action so a report can be traced in the API's log. */
  key(action: string): string {
    this.keys += 1;
    return `adv-${this.runTag}-${this.profile.index}-${action}-${this.keys}`;
  }

  keyMode(): KeyMode {
    const roll = this.random();
    return roll < 0.55 ? 'once' : roll < 0.7 ? 'replay' : roll < 0.85 ? 'reuse' : 'concurrent';
  }

  send<T = unknown>(spec: Omit<RequestSpec, 'orderId'>): Promise<ApiExchange<T>> {
    return this.env.requester.call<T>({ ...spec, orderId: this.id || undefined });
  }

  sendKeyed<T = unknown>(spec: Omit<KeyedSpec, 'orderId'>, mode: KeyMode): Promise<ApiExchange<T>> {
    return this.env.requester.keyed<T>({ ...spec, orderId: this.id || undefined }, mode);
  }

  /**
   * One keyed step of the walk: sent with a fresh Idempotency-Key in a random key mode, and written to the walk's
   * log as `<action> <variant> <body> (key <mode>) while <status>`.
   */
  async keyedStep<T = unknown>(step: {
    action: string;
    variant: string;
    path: string;
    as: Role;
    body: unknown;
    otherBody: unknown;
    expect?: Expectation;
    identity?: readonly string[];
    status?: string;
  }): Promise<ApiExchange<T>> {
    const mode = this.keyMode();
    const { action, variant, status, ...request } = step;
    const answer = await this.sendKeyed<T>({ method: 'POST', ...request, key: this.key(action) }, mode);
    this.note(
      `${action} ${variant} ${JSON.stringify(step.body)} (key ${mode})${status ? ` while ${status}` : ''}`,
      answer,
    );
    return answer;
  }

  note(step: string, answer?: ApiExchange): void {
    this.steps.push(answer ? `${step} -> ${answer.status || answer.error}` : step);
  }

  /** The order as the API shows it now (undefined when the API did not answer 200). */
  async observe(): Promise<OrderView | undefined> {
    const answer = await this.send<OrderView>({ method: 'GET', path: `/v1/orders/${this.id}`, as: 'sales' });
    if (answer.status === 200) this.view = answer.body;
    return answer.status === 200 ? answer.body : undefined;
  }

  async openPickLists(): Promise<PickListView[]> {
    const answer = await this.send<{ items: PickListView[] }>({
      method: 'GET',
      path: '/v1/pick-lists?status=open&limit=500',
      as: 'warehouse',
    });
    return answer.status === 200 ? answer.body.items.filter((list) => list.orderId === this.id) : [];
  }

  /** Places the order (after, sometimes, a hostile placement that must be refused). */
  async place(): Promise<boolean> {
    const { body } = this.profile;
    const mode = this.keyMode();
    const placed = await this.sendKeyed<{ id?: string }>(
      {
        method: 'POST',
        path: '/v1/orders',
        as: 'sales',
        body,
        otherBody: {
          ...body,
          lines: body.lines.map((line, at) => ({ ...line, quantity: line.quantity + (at === 0 ? 1 : 0) })),
        },
        key: this.key('place'),
        identity: ['id', 'trackingNumber'],
      },
      mode,
    );
    this.note(`place ${this.profile.kind} ${JSON.stringify(body)} (key ${mode})`, placed);
    if (placed.status !== 202 || typeof placed.body.id !== 'string') return false;
    this.id = placed.body.id;
    return true;
  }

  /** The order's lines by SKU as last observed. */
  line(sku: string) {
    return this.view?.lines.find((line) => line.sku === sku);
  }

  shippedSkus(): OrderLine[] {
    return (this.view?.lines ?? [])
      .filter((line) => line.shippedQuantity > 0)
      .map((line) => ({ sku: line.sku, quantity: line.shippedQuantity }));
  }

  /** Units of a SKU on the returns the run opened. */
  unitsOnReturns(sku: string): number {
    let units = 0;
    for (const opened of this.returns.values())
      for (const line of opened.lines) if (line.sku === sku) units += line.quantity;
    return units;
  }

  /** What the order was charged: captures (card) or invoices (net30). */
  charged(view: OrderView): number {
    if (view.payment.method === 'card')
      return view.payments
        .filter((payment) => payment.kind === 'capture' && payment.status === 'succeeded')
        .reduce((total, payment) => total + payment.amount, 0);
    return view.invoices
      .filter((invoice) => invoice.kind === 'invoice')
      .reduce((total, invoice) => total + invoice.total, 0);
  }

  credited(view: OrderView): number {
    return view.invoices
      .filter((invoice) => invoice.kind === 'credit_note')
      .reduce((total, invoice) => total + invoice.total, 0);
  }

  recordRefund(answer: ApiExchange<{ refundId?: string; amount?: number; creditNote?: string }>): void {
    if (succeeded(answer) && typeof answer.body.refundId === 'string')
      this.refunds.set(answer.body.refundId, {
        amount: answer.body.amount ?? 0,
        creditNote: answer.body.creditNote ?? '',
      });
    else if (!(answer.status > 0 && answer.status < 500)) this.uncertainRefunds += 1;
  }

  /** A SKU of the run's catalog that this order does not hold. */
  foreignSku(): string {
    return this.env.catalog.foreign;
  }

  pick<T>(items: readonly T[]): T {
    return pick(this.random, items);
  }

  chance(probability: number): boolean {
    return chance(this.random, probability);
  }
}
