import type { Subscription } from '../event-store/event-store';
import { isAtOrAfter, type Position, START } from '../event-store/position';
import { pause } from '../stopping';
import { deferred } from './deferred';

/**
 * What the projection runner and the live-view runner share as they follow the store: the position
 * reached and waiting for one (read your writes), and noticing that a subscription has reached the
 * head. (Their stop is `Stopping`, shared with the store monitor.)
 */

/** How long a waiter sleeps at most before it looks again, in case a wake-up was missed. */
const RECHECK_MS = 1_000;
/** How often an idle subscription is asked whether it has reached the head. */
const CAUGHT_UP_NOTICE_MS = 50;

/** The position a follower has applied everything up to, and those waiting for it to reach theirs. */
export class Progress {
  private reached: Position;
  /** Created by the first waiter and resolved by the next move: nothing is allocated while nobody waits. */
  private moved?: ReturnType<typeof deferred>;

  constructor(from: Position = START) {
    this.reached = from;
  }

  get position(): Position {
    return this.reached;
  }

  /** Moves to `position` (set, not compared: a follower may start over from a stored checkpoint). */
  moveTo(position: Position): void {
    this.reached = position;
    this.wake();
  }

  /** Wakes the waiters without moving, so they look again (the follower stopped). */
  wake(): void {
    const moved = this.moved;
    this.moved = undefined;
    moved?.resolve();
  }

  /** True once at or after `target`; false when `timeoutMs` passes first or `stopped()` holds. */
  async reach(target: Position, timeoutMs: number, stopped: () => boolean): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!isAtOrAfter(this.reached, target)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || stopped()) return false;
      this.moved ??= deferred();
      const recheck = new AbortController();
      await Promise.race([this.moved.promise, pause(Math.min(remaining, RECHECK_MS), recheck.signal)]);
      recheck.abort(); // moved first: no timer left behind
    }
    return true;
  }
}

/**
 * Calls `notice` while `subscription` reports it has reached the head, every 50 ms until the
 * returned function is called. An idle subscription yields nothing, so the head is noticed between
 * batches too; never while `busy()` (a batch is being applied: the subscription is caught up as it
 * hands over its last batch, before that batch is applied).
 */
export function noticeCaughtUp(subscription: Subscription, notice: () => void, busy = () => false): () => void {
  const timer = setInterval(() => subscription.caughtUp && !busy() && notice(), CAUGHT_UP_NOTICE_MS);
  return () => clearInterval(timer);
}
