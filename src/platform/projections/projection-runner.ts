import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { EventStore, RecordedEvent, Subscription } from '../event-store/event-store';
import { pagesOf } from '../event-store/read-pages';
import { StoreUnavailableError } from '../store-unavailable';
import { formatPosition, isAtOrAfter, type Position } from '../event-store/position';
import type { ReadStore } from '../read-store/read-store';
import { pause, Stopping } from '../stopping';
import { noticeCaughtUp, Progress } from './following';
import {
  CHECKPOINTS,
  checkpointDocument,
  loadCheckpoint,
  parkEvent,
  PassedEventsCheckpoint,
} from './projection-checkpoints';
import { LagHistogram, type LagSummary } from './lag-histogram';
import { type Projection, projectionKey, type ProjectionWriter } from './projection';
import { projectionWriter } from './projection-writer';
import { errorMessage } from '../logging/error-message';

/** How long a projection whose loop failed (a store away, say) waits before it resumes from its checkpoint. */
const RESUME_AFTER_ERROR_MS = 500;
/**
 * Events applied per read-model transaction: large enough that a commit serves many events, small
 * enough that a projection never holds the event loop for long (request latency).
 */
const EVENTS_PER_TRANSACTION = 64;

export type ProjectionState = 'starting' | 'catching_up' | 'live' | 'standby' | 'stopped';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly state: ProjectionState;
  readonly position: string;
  /**
   * From an event's recording to its read-model write, for the last event applied; null when none
   * has been since the projection went live (what catch-up applied is history by then).
   */
  readonly lastLagMs: number | null;
  /** The same for every event applied while live, as quantiles. */
  readonly lag: LagSummary;
  readonly parkedEvents: number;
  readonly error?: string;
}

export interface RunnerOptions {
  /** Identifies this process as lease owner. */
  readonly instanceId?: string;
  readonly leaseTtlMs?: number;
  /** Attempts at a failing event of a non-critical projection before it is parked. */
  readonly attempts?: number;
  readonly onError?: (projection: string, event: RecordedEvent, error: unknown, parked: boolean) => void;
}

interface Tracked {
  readonly projection: Projection;
  state: ProjectionState;
  /** Where it has applied everything up to (or, on standby, where the writer's checkpoint is). */
  readonly progress: Progress;
  lastLagMs: number | null;
  readonly lag: LagHistogram;
  parkedEvents: number;
  error?: string;
}

/** The lease a consuming instance holds while it applies events. */
interface Lease {
  /** Set when a renewal failed: another instance may be the writer now. */
  lost: boolean;
  /** Closed when the lease is lost, which ends the live loop. */
  subscription?: Subscription;
}

/**
 * Runs each projection sequentially from its checkpoint (architecture §6): catch-up then live through one
 * subscription, every event applied in a read-store transaction together with the checkpoint.
 * One writer per projection across instances: the holder of its lease; the others stand by and
 * follow the stored checkpoint so `waitForPosition` works on every instance.
 */
export class ProjectionRunner {
  private readonly instanceId: string;
  private readonly leaseTtlMs: number;
  private readonly attempts: number;
  private readonly tracked = new Map<string, Tracked>();
  private readonly stopping = new Stopping();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly events: EventStore,
    private readonly store: ReadStore,
    projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.attempts = options.attempts ?? 3;
    for (const projection of projections) this.tracked.set(projection.name, this.track(projection));
  }

  private track(projection: Projection): Tracked {
    const tracked = { state: 'starting' as const, lastLagMs: null, parkedEvents: 0 };
    return { projection, ...tracked, progress: new Progress(), lag: new LagHistogram() };
  }

  /**
   * Adds a projection or reactor of a module that needs services (a reactor appends to the event
   * store): modules register them as they initialise, before the runner starts.
   */
  register(projection: Projection): void {
    if (this.loops.length > 0) throw new Error(`projection ${projection.name} registered after the runner started`);
    this.tracked.set(projection.name, this.track(projection));
  }

  async start(): Promise<void> {
    for (const entry of this.tracked.values()) {
      for (const [collection, indexes] of Object.entries(entry.projection.collections)) {
        await this.store.ensureIndexes(`${collection}_v${entry.projection.version}`, indexes);
      }
      entry.progress.moveTo(await loadCheckpoint(this.store, entry.projection));
    }
    this.loops = [...this.tracked.values()].map((entry) => this.run(entry));
  }

  async stop(): Promise<void> {
    this.stopping.request();
    await Promise.all(this.loops);
    if (this.loops.length === 0) return; // never started (the stores were away): no lease is held
    // Together, each bounded by the store's deadline: a read store that is away delays shutdown
    // by one deadline at most (its leases then simply expire).
    await Promise.all(
      [...this.tracked.values()].map((entry) =>
        this.store.releaseLease(projectionKey(entry.projection), this.instanceId).catch(() => undefined),
      ),
    );
  }

  statuses(): ProjectionStatus[] {
    return [...this.tracked.values()].map((entry) => ({
      name: entry.projection.name,
      version: entry.projection.version,
      state: entry.state,
      position: formatPosition(entry.progress.position),
      lastLagMs: entry.lastLagMs,
      lag: entry.lag.summary(),
      parkedEvents: entry.parkedEvents,
      ...(entry.error ? { error: entry.error } : {}),
    }));
  }

  /**
   * Resolves true once the named projection has applied everything up to `position` (read your
   * writes), false when `timeoutMs` passes first or the projection has stopped.
   */
  async waitForPosition(projectionName: string, position: Position, timeoutMs: number): Promise<boolean> {
    const entry = this.tracked.get(projectionName);
    if (!entry) throw new RangeError(`no projection named ${projectionName}`);
    return entry.progress.reach(position, timeoutMs, () => this.isStopped(entry) || this.stopping.requested);
  }

  private async run(entry: Tracked): Promise<void> {
    const key = projectionKey(entry.projection);
    while (!this.stopping.requested && !this.isStopped(entry)) {
      if (!(await this.store.tryAcquireLease(key, this.instanceId, this.leaseTtlMs).catch(() => false))) {
        entry.state = 'standby';
        await this.followStoredCheckpoint(entry);
        continue;
      }
      try {
        await this.consume(entry);
      } catch (error) {
        if (this.stopping.requested) return;
        entry.error = errorMessage(error);
        if (entry.state === 'live') entry.state = 'catching_up'; // not live until it has resumed
        await this.stopping.pause(RESUME_AFTER_ERROR_MS); // the store may be restarting
      }
    }
  }

  /** Holds the lease while applying events; returns when the lease is lost or the runner stops. */
  private async consume(entry: Tracked): Promise<void> {
    const key = projectionKey(entry.projection);
    entry.progress.moveTo(await loadCheckpoint(this.store, entry.projection));
    entry.state = 'catching_up';
    // Renewed from the start, the catch-up included: another instance takes an expired lease.
    const lease: Lease = { lost: false };
    const renew = async () => {
      if (await this.store.tryAcquireLease(key, this.instanceId, this.leaseTtlMs).catch(() => false)) return;
      lease.lost = true;
      await lease.subscription?.close(); // never rejects (Subscription.close)
    };
    const renewal = setInterval(() => void renew(), this.leaseTtlMs / 3);
    try {
      await this.applyFromCheckpoint(entry, lease);
    } finally {
      clearInterval(renewal);
    }
  }

  /** Catch-up on the handled types, then the subscription from there; stops when the lease is lost. */
  private async applyFromCheckpoint(entry: Tracked, lease: Lease): Promise<void> {
    const handles = entry.projection.handles === 'all' ? null : new Set(entry.projection.handles);
    if (handles) await this.catchUpOnHandledTypes(entry, [...handles], lease);
    if (this.mustLeave(entry, lease)) return;
    await this.followHead(entry, handles, lease);
  }

  /**
   * Follows the store through an unfiltered subscription: the position then follows every event, so
   * waiting for any position works (a write of a type this projection ignores is "seen" once passed)
   * and lag is measured against the head.
   */
  private async followHead(entry: Tracked, handles: ReadonlySet<string> | null, lease: Lease): Promise<void> {
    const subscription = this.events.subscribe({ after: entry.progress.position, signal: this.stopping.signal });
    lease.subscription = subscription;
    const passed = new PassedEventsCheckpoint(this.store, entry.projection, entry.progress);
    let applying = false;
    const stopNoticing = noticeCaughtUp(
      subscription,
      () => this.markLive(entry),
      () => applying,
    );
    try {
      for await (const batch of subscription) {
        if (lease.lost) break;
        applying = true;
        const handled = handles === null ? batch : batch.filter((event) => handles.has(event.type));
        const through = batch[batch.length - 1].position;
        if (handled.length > 0) {
          await this.applyInTransactions(entry, handled, through, lease);
          passed.savedWithReadModel();
        } else {
          this.advance(entry, through, null);
          await passed.saveWhenDue(subscription.caughtUp && entry.state === 'catching_up');
        }
        applying = false;
        if (this.isStopped(entry)) break;
        if (subscription.caughtUp) this.markLive(entry);
      }
      // Stopping with the lease: keep what was passed. A lost lease's holder now owns the checkpoint.
      if (!lease.lost && !this.isStopped(entry)) await passed.save();
    } finally {
      stopNoticing();
      await subscription.close();
    }
  }

  /**
   * Applies a live batch's handled events in read-model transactions of at most
   * `EVENTS_PER_TRANSACTION`, the last one's checkpoint `through` the batch's end (ignored events
   * included).
   */
  private async applyInTransactions(
    entry: Tracked,
    handled: readonly RecordedEvent[],
    through: Position,
    lease: Lease,
  ): Promise<void> {
    for (let start = 0; start < handled.length; start += EVENTS_PER_TRANSACTION) {
      if (this.isStopped(entry) || lease.lost) return;
      // A transaction's awaits are microtasks that never let requests in: yield between transactions.
      if (start > 0) await setImmediate();
      const chunk = handled.slice(start, start + EVENTS_PER_TRANSACTION);
      const end = start + EVENTS_PER_TRANSACTION >= handled.length;
      await this.applyBatch(entry, chunk, end ? through : chunk[chunk.length - 1].position);
    }
  }

  /**
   * Reads only the event types the projection handles, from its checkpoint to the head as it was
   * when this began, and applies them with their checkpoints; then the checkpoint skips to that
   * head. The store filters (EventStoreDB server-side, SQLite by its type index), so a projection
   * catching up over a large store reads its own events, not the token traffic of every grant.
   */
  private async catchUpOnHandledTypes(entry: Tracked, types: readonly string[], lease: Lease): Promise<void> {
    const head = await this.events.headPosition();
    for await (const page of pagesOf(this.events, { after: entry.progress.position, filter: { types } })) {
      for (let start = 0; start < page.length; start += EVENTS_PER_TRANSACTION) {
        if (this.mustLeave(entry, lease)) return;
        const chunk = page.slice(start, start + EVENTS_PER_TRANSACTION);
        await this.applyBatch(entry, chunk, chunk[chunk.length - 1].position);
        await setImmediate(); // let requests in between transactions
      }
    }
    if (this.mustLeave(entry, lease)) return;
    // Nothing it handles lies between its last event and that head.
    if (!isAtOrAfter(entry.progress.position, head)) {
      await this.store.upsert(CHECKPOINTS, checkpointDocument(entry.projection, head));
      this.advance(entry, head, null);
    }
  }

  /**
   * Whether to stop applying: the lease is lost (its holder owns the checkpoint now), or the
   * projection stopped on an event (a critical one), or the runner is shutting down; the checkpoint
   * stays where the last applied event left it.
   */
  private mustLeave(entry: Tracked, lease: Lease): boolean {
    return lease.lost || this.stopping.requested || this.isStopped(entry);
  }

  /** Its subscription has reached the head. */
  private markLive(entry: Tracked): void {
    if (entry.state !== 'catching_up') return;
    entry.state = 'live';
    entry.lastLagMs = null; // at the head now: the catch-up's lag says nothing of the present
    entry.error = undefined; // what made it retry is over
  }

  /** Read through a method: `state` changes across awaits, which the compiler's narrowing can't see. */
  private isStopped(entry: Tracked): boolean {
    return entry.state === 'stopped';
  }

  /**
   * Applies a batch and the checkpoint `through` its last event (handled or not) in one transaction:
   * under load, one commit then covers many events. When the batch fails, its events are applied one
   * at a time instead, so only the failing one is retried, parked or stops the projection.
   */
  private async applyBatch(entry: Tracked, events: readonly RecordedEvent[], through: Position): Promise<void> {
    // A reactor's work is not in the read store: each event on its own, its checkpoint after it.
    if (!entry.projection.reactor && (await this.appliedTogether(entry, events, through))) return;
    for (const [index, event] of events.entries()) {
      await this.applyWithRetries(entry, event, index === events.length - 1 ? through : event.position);
      if (this.isStopped(entry)) return;
    }
  }

  /** The batch and its checkpoint in one transaction; false when it failed (nothing of it applied). */
  private async appliedTogether(entry: Tracked, events: readonly RecordedEvent[], through: Position): Promise<boolean> {
    const { projection } = entry;
    try {
      await this.store.transaction(async (tx) => {
        const writer = projectionWriter(projection, tx);
        for (const event of events) await projection.apply(event, writer);
        await tx.upsert(CHECKPOINTS, checkpointDocument(projection, through));
      });
    } catch {
      return false; // retried one event at a time, where the failure is reported
    }
    this.recordLag(entry, events);
    this.advance(entry, through, lagOf(events[events.length - 1]));
    return true;
  }

  /** One event in its own transaction (with the checkpoint `through`), retried, then parked or stopping. */
  private async applyWithRetries(entry: Tracked, event: RecordedEvent, through: Position): Promise<void> {
    const { projection } = entry;
    for (let attempt = 1; ; attempt++) {
      try {
        if (projection.reactor) {
          // Outside any read-store transaction (its work may wait on other projections' writes);
          // a crash before the checkpoint runs it again, which a reactor's idempotence allows.
          await projection.apply(event, NO_READ_MODEL);
          await this.store.upsert(CHECKPOINTS, checkpointDocument(projection, through));
        } else {
          await this.store.transaction(async (tx) => {
            await projection.apply(event, projectionWriter(projection, tx));
            await tx.upsert(CHECKPOINTS, checkpointDocument(projection, through));
          });
        }
        this.recordLag(entry, [event]);
        return this.advance(entry, through, lagOf(event));
      } catch (error) {
        // A store that does not answer is no fault of the event: the runner resumes from the
        // checkpoint once it answers, instead of stopping the projection or parking the event.
        if (error instanceof StoreUnavailableError) throw error;
        if (projection.critical || attempt >= this.attempts) {
          this.options.onError?.(projection.name, event, error, !projection.critical);
          if (projection.critical) {
            entry.state = 'stopped';
            entry.error = `stopped at ${event.type} ${event.stream}@${event.revision}: ${errorMessage(error)}`;
            entry.progress.wake();
            return;
          }
          return this.park(entry, event, through, error);
        }
        await pause(50 * attempt);
      }
    }
  }

  /** Sets a poison event aside (with the checkpoint moving past it) so the projection keeps going. */
  private async park(entry: Tracked, event: RecordedEvent, through: Position, error: unknown): Promise<void> {
    await parkEvent(this.store, entry.projection, event, through, errorMessage(error));
    entry.parkedEvents += 1;
    this.advance(entry, through, null);
  }

  /** Lag counts only while live: events met while catching up were waiting by design. */
  private recordLag(entry: Tracked, events: readonly RecordedEvent[]): void {
    if (entry.state !== 'live') return;
    for (const event of events) entry.lag.record(lagOf(event));
  }

  private advance(entry: Tracked, position: Position, lagMs: number | null): void {
    if (lagMs !== null) entry.lastLagMs = lagMs;
    entry.progress.moveTo(position);
  }

  /** A standby instance mirrors the active writer's progress until it may take the lease. */
  private async followStoredCheckpoint(entry: Tracked): Promise<void> {
    const until = Date.now() + this.leaseTtlMs / 2;
    while (Date.now() < until && !this.stopping.requested) {
      const stored = await loadCheckpoint(this.store, entry.projection).catch(() => entry.progress.position);
      if (!isAtOrAfter(entry.progress.position, stored)) this.advance(entry, stored, null);
      await this.stopping.pause(25);
    }
  }
}

/** What a reactor's `apply` gets for a writer: it keeps no read model of its own. */
const NO_READ_MODEL: ProjectionWriter = new Proxy({} as ProjectionWriter, {
  get: () => () => Promise.reject(new Error('a reactor writes no read model')),
});

/** From an event's recording to its read-model write. */
function lagOf(event: RecordedEvent): number {
  return Date.now() - Date.parse(event.recordedAt);
}
