import { RecordedEvent, Subscription } from './event-store';
import { Position } from './position';

const PAGE_SIZE = 500;
/** Appends by this process wake subscribers at once; the poll only catches other processes' writes. */
const POLL_INTERVAL_MS = 1000;

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

  /** Called by the store after each commit. */
  wake(): void {
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.wakeUp?.();
    this.options.onClose();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let after = this.options.after;
    while (!this.stop.signal.aborted) {
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      const page = this.options.read(after, PAGE_SIZE);
      const last = page.length < PAGE_SIZE ? page.length - 1 : -1;
      for (const [index, event] of page.entries()) {
        if (this.stop.signal.aborted) return;
        // Caught up as the last existing event is handed over, so its consumer sees it at once.
        if (index === last) this.live = true;
        yield event;
        after = event.position;
      }
      if (page.length < PAGE_SIZE) {
        this.live = true;
        const poll = setTimeout(() => this.wakeUp?.(), POLL_INTERVAL_MS);
        await woken;
        clearTimeout(poll);
      }
    }
  }
}
