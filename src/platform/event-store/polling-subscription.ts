import type { RecordedEvent, Subscription } from './event-store';
import type { Position } from './position';

const PAGE_SIZE = 500;

interface PollingSubscriptionOptions {
  readonly after: Position;
  readonly signal?: AbortSignal;
  readonly read: (after: Position, limit: number) => RecordedEvent[];
  readonly onClose: () => void;
}

/** Catch-up-then-live subscription over a store that can be read synchronously by position. */
export class PollingSubscription implements Subscription {
  private readonly stop = new AbortController();
  private wakeUp: (() => void) | undefined;
  private live = false;

  constructor(private readonly options: PollingSubscriptionOptions) {
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    if (options.signal?.aborted) this.stop.abort();
  }

  get caughtUp(): boolean {
    return this.live;
  }

  /** Called by the store after each commit, this process's or (noticed within 50 ms) another's. */
  wake(): void {
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.wakeUp?.();
    this.options.onClose();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly RecordedEvent[]> {
    let after = this.options.after;
    while (!this.stop.signal.aborted) {
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      const page = this.options.read(after, PAGE_SIZE);
      // A short page holds the last existing event: caught up as it is handed over.
      if (page.length < PAGE_SIZE) this.live = true;
      if (page.length > 0) {
        yield page;
        after = page[page.length - 1].position;
      }
      if (page.length < PAGE_SIZE && !this.stop.signal.aborted) await woken;
    }
  }
}
