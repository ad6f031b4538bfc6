import { setTimeout as sleep } from 'node:timers/promises';

/** One kind of outgoing message kept in PostgreSQL until it is sent: webhook deliveries, customer emails. */
export interface OutboxQueue<Item, Outcome> {
  readonly name: string;
  /** Claims up to `limit` due items for a while (another dispatcher takes them over when the claim lapses). */
  claim(limit: number): Promise<Item[]>;
  /** Sends one claimed item: its outcome (sent, retry later, or given up); throws only when it cannot tell. */
  send(item: Item): Promise<Outcome>;
  /** Records a batch's outcomes in one statement, each only while its claim holds. */
  settle(outcomes: Outcome[]): Promise<void>;
}

export interface DispatcherOptions {
  /** How long an idle dispatcher waits before it looks again. */
  pollMs?: number;
  /** Items claimed and sent at once. */
  batchSize?: number;
  onError: (error: unknown, context: string) => void;
}

/**
 * Sends what a queue has due, in batches, for as long as it runs. Several dispatchers (one per worker) share a queue:
 * claims skip what another holds. Stopping waits for the batch under way; a dispatcher killed mid-batch leaves its
 * claims to lapse, and the items are sent again (delivery is at least once).
 */
export class Dispatcher<Item, Outcome> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly wake = new AbortController();

  constructor(
    private readonly queue: OutboxQueue<Item, Outcome>,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { pollMs = 500, batchSize = 20, onError } = this.options;
    while (this.running) {
      let claimed: Item[] = [];
      try {
        claimed = await this.queue.claim(batchSize);
      } catch (error) {
        onError(error, `${this.queue.name}: claiming due items`);
      }
      if (claimed.length === 0) {
        await sleep(pollMs, undefined, { signal: this.wake.signal }).catch(() => undefined);
        continue;
      }
      const outcomes = await Promise.all(
        claimed.map((item) =>
          this.queue.send(item).catch((error: unknown) => onError(error, `${this.queue.name}: sending`)),
        ),
      );
      // Not settled (the database is down): the claims lapse and the items go out again.
      await this.queue
        .settle(outcomes.filter((outcome): outcome is Awaited<Outcome> => outcome !== undefined))
        .catch((error: unknown) => onError(error, `${this.queue.name}: recording outcomes`));
    }
  }
}

/** Growing delays between attempts: 1 s, 2 s, 4 s, ... up to `capMs`, each within ±20% so failures spread out. */
export function retryDelayMs(attempt: number, capMs = 30 * 60_000): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), capMs);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
