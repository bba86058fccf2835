import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore, Subscription } from '../event-store/event-store';
import { formatPosition, isAtOrAfter, Position, START } from '../event-store/position';
import { LIVE_VIEWS, LiveView } from './live-view';

export interface LiveViewStatus {
  readonly state: 'catching_up' | 'live' | 'stopped';
  readonly position: string;
  readonly error?: string;
}

/**
 * Feeds every live view from one catch-up-then-live subscription, one event at a time. A view that
 * throws stops the runner (readiness turns red): a security view must never silently skip a fact.
 */
@Injectable()
export class LiveViewRunner {
  private readonly logger = new Logger('live-views');
  private readonly byType = new Map<string, LiveView[]>();
  private position: Position = START;
  private state: LiveViewStatus['state'] = 'catching_up';
  private error?: string;
  private subscription?: Subscription;
  private loop?: Promise<void>;
  private advanced = deferred();

  constructor(
    private readonly events: EventStore,
    @Inject(LIVE_VIEWS) views: readonly LiveView[],
  ) {
    for (const view of views) {
      for (const type of view.handles) this.byType.set(type, [...(this.byType.get(type) ?? []), view]);
    }
  }

  /**
   * Unfiltered on purpose: the position then follows the head of the store, so a write this
   * instance made is "seen" as soon as the views have passed it, whatever its type.
   */
  start(): void {
    this.subscription = this.events.subscribe({ after: START });
    this.loop = this.consume(this.subscription);
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.loop;
  }

  status(): LiveViewStatus {
    return { state: this.state, position: formatPosition(this.position), ...(this.error ? { error: this.error } : {}) };
  }

  /** True once every view has applied everything up to `position`; false after `timeoutMs` or when stopped. */
  async waitForPosition(position: Position, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!isAtOrAfter(this.position, position)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.state === 'stopped') return false;
      await Promise.race([this.advanced.promise, sleep(Math.min(remaining, 1000))]);
    }
    return true;
  }

  private async consume(subscription: Subscription): Promise<void> {
    const noticeLive = setInterval(
      () => subscription.caughtUp && this.state === 'catching_up' && (this.state = 'live'),
      50,
    );
    try {
      for await (const event of subscription) {
        for (const view of this.byType.get(event.type) ?? []) view.apply(event);
        this.position = event.position;
        if (subscription.caughtUp && this.state === 'catching_up') this.state = 'live';
        const { resolve } = this.advanced;
        this.advanced = deferred();
        resolve();
      }
    } catch (error) {
      this.state = 'stopped';
      this.error = error instanceof Error ? error.message : String(error);
      this.logger.error(`live views stopped at ${formatPosition(this.position)}: ${this.error}`);
      this.advanced.resolve();
    } finally {
      clearInterval(noticeLive);
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
