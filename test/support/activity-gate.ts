import type { ActivityInterceptorsFactory } from '@temporalio/worker';

interface Hold {
  reached: Promise<void>;
  signalReached: () => void;
  released: Promise<void>;
  release: () => void;
}

/**
 * Holds the next execution of a named activity until the test releases it, so a test can act on an order
 * while it sits at a known step (e.g. cancel while ALLOCATED). A worker interceptor: the activity itself
 * runs unchanged once released.
 */
export class ActivityGate {
  private readonly holds = new Map<string, Hold>();

  hold(activityType: string): void {
    let signalReached!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (signalReached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(activityType, { reached, signalReached, released, release });
  }

  /** Resolves once a held activity has been called and is waiting. */
  reached(activityType: string): Promise<void> {
    const hold = this.holds.get(activityType);
    if (!hold) throw new Error(`${activityType} is not held`);
    return hold.reached;
  }

  release(activityType: string): void {
    const hold = this.holds.get(activityType);
    this.holds.delete(activityType);
    hold?.release();
  }

  readonly interceptor: ActivityInterceptorsFactory = (context) => ({
    inbound: {
      execute: async (input, next) => {
        const hold = this.holds.get(context.info.activityType);
        if (hold) {
          hold.signalReached();
          await hold.released;
        }
        return next(input);
      },
    },
  });
}
