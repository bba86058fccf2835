import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store';
import { pagesOf } from '../event-store/read-pages';
import { formatPosition, isAtOrAfter, Position } from '../event-store/position';
import { Backoff } from '../health/backoff';
import { Stopping } from '../stopping';
import { deferred } from './deferred';
import { noticeCaughtUp, Progress } from './following';
import { LIVE_VIEWS, LiveView } from './live-view';
import { errorMessage } from '../logging/error-message';

export interface LiveViewStatus {
  readonly state: 'catching_up' | 'live' | 'stopped';
  readonly position: string;
  /** The views fed, by name. */
  readonly views: readonly string[];
  /** From the recording of the last event applied while live to its application (once per batch); null before. */
  readonly lastLagMs: number | null;
  readonly error?: string;
}

/**
 * Feeds every live view from one catch-up-then-live subscription, one event at a time. Security
 * checks fail closed on it: callers refuse to answer unless `isLive()`. A dropped subscription is
 * resumed from the last applied position, with backoff while the store is away (logged when it
 * drops and when it is live again, not at every attempt); a view that throws stops the runner for
 * good (readiness turns red): a security view must never silently skip a fact.
 */
@Injectable()
export class LiveViewRunner {
  private readonly logger = new Logger('live-views');
  private readonly byType = new Map<string, LiveView[]>();
  private readonly stopping = new Stopping();
  private readonly progress = new Progress();
  private state: LiveViewStatus['state'] = 'catching_up';
  private error?: string;
  private subscription?: Subscription;
  private loop?: Promise<void>;
  /** A drop was logged and the views have not been live since: later attempts stay quiet. */
  private dropped = false;
  private readonly caughtUp = deferred();
  private readonly views: readonly string[];
  private lastLagMs: number | null = null;

  constructor(
    private readonly events: EventStore,
    @Inject(LIVE_VIEWS) views: readonly LiveView[],
  ) {
    this.views = views.map((view) => view.name);
    for (const view of views) {
      for (const type of view.handles) this.byType.set(type, [...(this.byType.get(type) ?? []), view]);
    }
  }

  start(): void {
    this.loop = this.run();
  }

  /** Resolves once the views hold everything that was in the store when they started. */
  whenCaughtUp(): Promise<void> {
    return this.caughtUp.promise;
  }

  isLive(): boolean {
    return this.state === 'live';
  }

  async stop(): Promise<void> {
    this.stopping.request();
    await this.subscription?.close();
    await this.loop;
  }

  status(): LiveViewStatus {
    return {
      state: this.state,
      position: formatPosition(this.progress.position),
      views: this.views,
      lastLagMs: this.lastLagMs,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /**
   * True once the views hold everything in the store now, whoever wrote it (other instances share
   * the store); false after `timeoutMs` or when stopped. For a check that found something this
   * instance has not seen yet and must not answer on a view that may be behind.
   */
  async reachStoreHead(timeoutMs: number): Promise<boolean> {
    return this.waitForPosition(await this.events.headPosition(), timeoutMs);
  }

  /** True once every view has applied everything up to `position`; false after `timeoutMs` or when stopped. */
  waitForPosition(position: Position, timeoutMs: number): Promise<boolean> {
    return this.progress.reach(position, timeoutMs, () => this.isStopped());
  }

  private async run(): Promise<void> {
    const backoff = new Backoff();
    while (!this.stopping.requested && !this.isStopped()) {
      try {
        await this.catchUpOnHandledTypes();
        if (this.stopping.requested || this.isStopped()) return;
        // Unfiltered on purpose: the position then follows the head of the store, so a write this
        // instance made is "seen" as soon as the views have passed it, whatever its type.
        const subscription = (this.subscription = this.events.subscribe({ after: this.progress.position }));
        await this.consume(subscription);
      } catch (error) {
        if (this.isStopped()) return;
        if (!this.dropped) {
          const at = formatPosition(this.progress.position);
          this.logger.warn(`subscription dropped at ${at}: ${errorMessage(error)}; resuming`);
        }
        this.dropped = true;
      }
      if (this.stopping.requested || this.isStopped()) return;
      if (this.state === 'live') backoff.reset(); // it got through: the next drop starts the delays over
      this.state = 'catching_up';
      await this.stopping.pause(backoff.next());
    }
  }

  /**
   * Reads only the event types the views handle, up to the head as it was when it began: at start
   * the token traffic, most of a store, is skipped by the store's type index instead of decoded.
   */
  private async catchUpOnHandledTypes(): Promise<void> {
    const head = await this.events.headPosition();
    const types = [...this.byType.keys()];
    for await (const page of pagesOf(this.events, { after: this.progress.position, filter: { types } })) {
      if (!this.applyAll(page) || this.stopping.requested) return;
    }
    // Nothing the views handle lies between the last event applied and the head: skip to it.
    if (!isAtOrAfter(this.progress.position, head)) this.progress.moveTo(head);
  }

  /** Applies events in order, the position following each; false when a view threw and the runner has stopped. */
  private applyAll(events: readonly RecordedEvent[]): boolean {
    for (const event of events) {
      try {
        for (const view of this.byType.get(event.type) ?? []) view.apply(event);
      } catch (error) {
        this.state = 'stopped';
        this.error = errorMessage(error);
        this.logger.error(`live views stopped at ${event.type} ${event.stream}@${event.revision}: ${this.error}`);
        this.progress.wake();
        this.caughtUp.resolve(); // start-up goes on, failing closed: readiness shows why
        return false;
      }
      this.progress.moveTo(event.position);
    }
    const last = events.at(-1);
    // Catch-up is not lag: only what arrives live is measured.
    if (last && this.state === 'live') this.lastLagMs = Date.now() - Date.parse(last.recordedAt);
    return true;
  }

  private async consume(subscription: Subscription): Promise<void> {
    const stopNoticing = noticeCaughtUp(subscription, () => this.markLive());
    try {
      for await (const batch of subscription) {
        if (!this.applyAll(batch)) return;
        if (subscription.caughtUp) this.markLive();
      }
    } finally {
      stopNoticing();
    }
  }

  /** Read through a method: `state` changes across awaits, which the compiler's narrowing can't see. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private markLive(): void {
    if (this.state !== 'catching_up') return;
    this.state = 'live';
    if (this.dropped) this.logger.log(`live again at ${formatPosition(this.progress.position)}`);
    this.dropped = false;
    this.caughtUp.resolve();
  }
}
