import type { Response } from 'express';
import { HttpProblem } from './problem';

export interface ConcurrencyGateOptions {
  /** Requests whose work runs at once (in this process). */
  running: number;
  /** Requests that wait for a turn, their bodies unread; one more is answered 429. */
  waiting: number;
  /** What the gate guards, for the 429's detail ("batches"). */
  what: string;
  /** Seconds the 429 asks the client to wait (`Retry-After`). */
  retryAfterSeconds: number;
}

/**
 * Runs a few heavy requests' work at once and queues a few more; the rest are answered 429 with `Retry-After`. A turn
 * is held until the work ends, whether or not its client is still there (so going away does not make room for more
 * work); a request whose client goes away while it waits gives its place up.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly options: ConcurrencyGateOptions) {}

  /** Runs `work` in its turn; nothing, when the client went away before its turn came. */
  async run(res: Response, work: () => Promise<void>): Promise<void> {
    if (!(await this.turn(res))) return;
    try {
      await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private turn(res: Response): Promise<boolean> {
    const { running, waiting, what, retryAfterSeconds } = this.options;
    if (this.running < running) {
      this.running += 1;
      return Promise.resolve(true);
    }
    if (this.queue.length >= waiting) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
      throw new HttpProblem(
        429,
        `${running + waiting} ${what} are already in progress or waiting on this server; send this one again in ${retryAfterSeconds} s`,
      );
    }
    return new Promise((resolve) => {
      const admit = () => {
        res.off('close', giveUp);
        resolve(true);
      };
      const giveUp = () => {
        this.queue.splice(this.queue.indexOf(admit), 1);
        resolve(false);
      };
      this.queue.push(admit);
      res.once('close', giveUp);
    });
  }
}
