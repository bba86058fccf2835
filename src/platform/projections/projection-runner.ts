import { randomUUID } from 'node:crypto';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store';
import { pagesOf } from '../event-store/read-pages';
import { StoreUnavailableError } from '../store-unavailable';
import { formatPosition, isAtOrAfter, parsePosition, Position, START } from '../event-store/position';
import { ReadStore } from '../read-store/read-store';
import { deferred } from './deferred';
import { LagHistogram, LagSummary } from './lag-histogram';
import { Projection, projectionKey, ProjectionWriter } from './projection';
import { projectionWriter } from './projection-writer';

export const CHECKPOINTS = 'projection_checkpoints';
export const PARKED_EVENTS = 'projection_parked_events';
const CHECKPOINT_INTERVAL_MS = 1_000;
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
  /** From an event's recording to its read-model write, for the last event applied. */
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
  position: Position;
  lastLagMs: number | null;
  readonly lag: LagHistogram;
  parkedEvents: number;
  error?: string;
  /** Resolved and replaced whenever `position` moves. */
  advanced: { promise: Promise<void>; resolve: () => void };
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
  private readonly stopping = new AbortController();
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
    const tracked = { state: 'starting' as const, position: START, lastLagMs: null, parkedEvents: 0 };
    return { projection, ...tracked, lag: new LagHistogram(), advanced: deferred() };
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
      entry.position = await this.loadCheckpoint(entry.projection);
    }
    this.loops = [...this.tracked.values()].map((entry) => this.run(entry));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
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
      position: formatPosition(entry.position),
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
    const deadline = Date.now() + timeoutMs;
    while (!isAtOrAfter(entry.position, position)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || entry.state === 'stopped' || this.stopping.signal.aborted) return false;
      await Promise.race([entry.advanced.promise, sleep(Math.min(remaining, 1000))]);
    }
    return true;
  }

  private async run(entry: Tracked): Promise<void> {
    const key = projectionKey(entry.projection);
    const signal = this.stopping.signal;
    while (!signal.aborted && !this.isStopped(entry)) {
      if (!(await this.store.tryAcquireLease(key, this.instanceId, this.leaseTtlMs).catch(() => false))) {
        entry.state = 'standby';
        await this.followStoredCheckpoint(entry);
        continue;
      }
      try {
        await this.consume(entry);
      } catch (error) {
        if (signal.aborted) return;
        entry.error = describe(error);
        if (entry.state === 'live') entry.state = 'catching_up'; // not live until it has resumed
        await sleep(500, undefined, { signal }).catch(() => undefined); // the store may be restarting
      }
    }
  }

  /** Holds the lease while applying events; returns when the lease is lost or the runner stops. */
  private async consume(entry: Tracked): Promise<void> {
    const key = projectionKey(entry.projection);
    entry.position = await this.loadCheckpoint(entry.projection);
    entry.state = 'catching_up';
    // Renewed from the start, the catch-up included: another instance takes an expired lease.
    const lease = { lost: false, subscription: undefined as Subscription | undefined };
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
  private async applyFromCheckpoint(
    entry: Tracked,
    lease: { readonly lost: boolean; subscription?: Subscription },
  ): Promise<void> {
    const handles = entry.projection.handles === 'all' ? null : new Set(entry.projection.handles);
    if (handles) await this.catchUpOnHandledTypes(entry, [...handles], lease);
    if (this.stopping.signal.aborted || this.isStopped(entry) || lease.lost) return;
    // Unfiltered: the position then follows every event, so waiting for any position works (a write
    // of a type this projection ignores is "seen" once passed) and lag is measured against the head.
    const subscription = this.events.subscribe({ after: entry.position, signal: this.stopping.signal });
    lease.subscription = subscription;
    let savedAt = Date.now();
    let saved = entry.position;
    /** Stores progress made past ignored events, which no read-model transaction has recorded. */
    const saveProgress = async () => {
      if (!isAtOrAfter(saved, entry.position)) {
        await this.store.upsert(CHECKPOINTS, checkpointDocument(entry.projection, entry.position));
        saved = entry.position;
      }
      savedAt = Date.now();
    };
    // An idle subscription yields nothing, so "caught up" is also noticed between batches, never
    // while one is being applied: the subscription is caught up as it hands over its last batch.
    let applying = false;
    const noticeLive = setInterval(() => applying || this.markLiveWhenCaughtUp(entry, subscription.caughtUp), 50);
    try {
      for await (const batch of subscription) {
        if (lease.lost) break;
        applying = true;
        const handled = handles === null ? batch : batch.filter((event) => handles.has(event.type));
        const through = batch[batch.length - 1].position;
        if (handled.length > 0) {
          for (let start = 0; start < handled.length; start += EVENTS_PER_TRANSACTION) {
            if (this.isStopped(entry) || lease.lost) break;
            // A transaction's awaits are microtasks that never let requests in: yield between transactions.
            if (start > 0) await setImmediate();
            const chunk = handled.slice(start, start + EVENTS_PER_TRANSACTION);
            const end = start + EVENTS_PER_TRANSACTION >= handled.length;
            await this.applyBatch(entry, chunk, end ? through : chunk[chunk.length - 1].position);
          }
          saved = entry.position; // with the read-model changes
          savedAt = Date.now();
        } else {
          this.advance(entry, through, null);
          // Progress past ignored events is saved at most once a second and on reaching the head,
          // so a restart does not rescan them all.
          const reachingHead = subscription.caughtUp && entry.state === 'catching_up';
          if (reachingHead || Date.now() - savedAt >= CHECKPOINT_INTERVAL_MS) await saveProgress();
        }
        applying = false;
        if (this.isStopped(entry)) break;
        this.markLiveWhenCaughtUp(entry, subscription.caughtUp);
      }
      // Stopping with the lease: keep what was passed. A lost lease's holder now owns the checkpoint.
      if (!lease.lost && !this.isStopped(entry)) await saveProgress();
    } finally {
      clearInterval(noticeLive);
      await subscription.close();
    }
  }

  /**
   * Reads only the event types the projection handles, from its checkpoint to the head as it was
   * when this began, and applies them with their checkpoints; then the checkpoint skips to that
   * head. The store filters (EventStoreDB server-side, SQLite by its type index), so a projection
   * catching up over a large store reads its own events, not the token traffic of every grant.
   */
  private async catchUpOnHandledTypes(
    entry: Tracked,
    types: readonly string[],
    lease: { readonly lost: boolean },
  ): Promise<void> {
    const head = await this.events.headPosition();
    for await (const page of pagesOf(this.events, { after: entry.position, filter: { types } })) {
      for (let start = 0; start < page.length; start += EVENTS_PER_TRANSACTION) {
        // Lease lost: the holder owns the checkpoint now. Stopped on an event (a critical
        // projection) or shutting down: it stays where the last applied event left it.
        if (lease.lost || this.stopping.signal.aborted || this.isStopped(entry)) return;
        const chunk = page.slice(start, start + EVENTS_PER_TRANSACTION);
        await this.applyBatch(entry, chunk, chunk[chunk.length - 1].position);
        await setImmediate(); // let requests in between transactions
      }
    }
    if (lease.lost || this.stopping.signal.aborted || this.isStopped(entry)) return;
    // Nothing it handles lies between its last event and that head.
    if (!isAtOrAfter(entry.position, head)) {
      await this.store.upsert(CHECKPOINTS, checkpointDocument(entry.projection, head));
      this.advance(entry, head, null);
    }
  }

  private markLiveWhenCaughtUp(entry: Tracked, caughtUp: boolean): void {
    if (!caughtUp || entry.state !== 'catching_up') return;
    entry.state = 'live';
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
            entry.error = `stopped at ${event.type} ${event.stream}@${event.revision}: ${describe(error)}`;
            entry.advanced.resolve();
            return;
          }
          return this.park(entry, event, through, error);
        }
        await sleep(50 * attempt);
      }
    }
  }

  /** Sets a poison event aside (with the checkpoint moving past it) so the projection keeps going. */
  private async park(entry: Tracked, event: RecordedEvent, through: Position, error: unknown): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.upsert(PARKED_EVENTS, {
        id: `${projectionKey(entry.projection)}:${event.id}`,
        projection: projectionKey(entry.projection),
        eventId: event.id,
        stream: event.stream,
        revision: event.revision,
        type: event.type,
        position: formatPosition(event.position),
        error: describe(error),
        parkedAt: new Date().toISOString(),
      });
      await tx.upsert(CHECKPOINTS, checkpointDocument(entry.projection, through));
    });
    entry.parkedEvents += 1;
    this.advance(entry, through, null);
  }

  /** Lag counts only while live: events met while catching up were waiting by design. */
  private recordLag(entry: Tracked, events: readonly RecordedEvent[]): void {
    if (entry.state !== 'live') return;
    for (const event of events) entry.lag.record(lagOf(event));
  }

  private advance(entry: Tracked, position: Position, lagMs: number | null): void {
    entry.position = position;
    if (lagMs !== null) entry.lastLagMs = lagMs;
    const { resolve } = entry.advanced;
    entry.advanced = deferred();
    resolve();
  }

  /** A standby instance mirrors the active writer's progress until it may take the lease. */
  private async followStoredCheckpoint(entry: Tracked): Promise<void> {
    const until = Date.now() + this.leaseTtlMs / 2;
    while (Date.now() < until && !this.stopping.signal.aborted) {
      const stored = await this.loadCheckpoint(entry.projection).catch(() => entry.position);
      if (!isAtOrAfter(entry.position, stored)) this.advance(entry, stored, null);
      await sleep(25, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private async loadCheckpoint(projection: Projection): Promise<Position> {
    const stored = await this.store.get<{ id: string; position: string }>(CHECKPOINTS, projectionKey(projection));
    return stored ? parsePosition(stored.position) : START;
  }
}

/** What a reactor's `apply` gets for a writer: it keeps no read model of its own. */
const NO_READ_MODEL: ProjectionWriter = new Proxy({} as ProjectionWriter, {
  get: () => () => Promise.reject(new Error('a reactor writes no read model')),
});

function checkpointDocument(projection: Projection, position: Position) {
  return { id: projectionKey(projection), position: formatPosition(position), updatedAt: new Date().toISOString() };
}

/** From an event's recording to its read-model write. */
function lagOf(event: RecordedEvent): number {
  return Date.now() - Date.parse(event.recordedAt);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
