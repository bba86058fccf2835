import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type AllFilter,
  type AppendResult,
  assertEventIds,
  type EventMetadata,
  EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from './event-store';
import { timeOrderedId } from '../crypto/time-ordered-id';
import { type Position, START } from './position';
import { PollingSubscription } from './polling-subscription';

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

/** A group commit written to the WAL, waiting for the WAL's fsync before its appends are answered. */
interface CommittedBatch {
  /** Where its first event landed; undefined when every append of it was refused. */
  readonly firstPosition: bigint | undefined;
  /** Extends the tail and answers the appends: called once the batch is durable. */
  readonly settle: () => void;
  readonly fail: (error: Error) => void;
}

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (stream, revision)
  );
  CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
`;

/** How many of its newest appends the store keeps in memory for its live subscriptions. */
const TAIL_SIZE = 4_096;
/**
 * How often, while anything is subscribed, the store asks SQLite whether another process has
 * committed (`PRAGMA data_version`, a counter read without touching the file's pages: microseconds):
 * other instances' writes reach this one's subscriptions within this bound.
 */
const OTHER_WRITERS_CHECK_MS = 50;

/**
 * The embedded event store: one SQLite file in WAL mode; an append is answered only once the WAL
 * holding it has been fsynced, so an append that has resolved survives `kill -9` and power loss.
 *
 * Group commit: appends arriving in the same event-loop turn are queued and written by one
 * transaction, each checked against its own expected revision inside it, so batching never weakens
 * optimistic concurrency. The `(stream, revision)` unique constraint backs the check should
 * anything else write to the file.
 *
 * The fsync runs off the event loop: the connection commits with `synchronous = NORMAL` (WAL
 * written, not yet synced) and the store then calls `fdatasync` on the WAL file in libuv's thread
 * pool — what `synchronous = FULL` does inside COMMIT, minus blocking every request for the disk.
 * An fsync makes every commit before it durable, so a batch is answered when its own or any later
 * sync completes, in commit order. Until then, its events are withheld from `readAll`, `headPosition`
 * and subscriptions (and so from read models and the security view). A failed sync is fatal to the
 * store: what it committed may or may not be on disk, so from then on every append, read and `ping`
 * throws (readiness turns red, views fail closed) until the process is restarted on the file.
 *
 * Live subscriptions read from an in-memory tail of this process's newest durable appends instead
 * of the file, so the projections and the live view following the head share one decoded copy of
 * each event (read-only to all of them). The tail holds positions without a gap: when another
 * process has written in between, it starts over, and reads it cannot answer go to the file.
 */
export class SqliteEventStore extends EventStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly writeBatch: Database.Transaction<(write: () => void) => void>;
  private readonly writeOne: Database.Transaction<
    (item: PendingAppend, recordedAt: string, written: RecordedEvent[]) => AppendResult
  >;
  private queue: PendingAppend[] = [];
  private transactions = 0;
  private closed = false;
  private readonly subscriptions = new Set<PollingSubscription>();
  private othersWatch: NodeJS.Timeout | undefined;
  private dataVersion = 0;
  private readonly statementCache = new Map<string, Database.Statement<unknown[], EventRow>>();
  private tail: RecordedEvent[] = [];
  /** Committed batches whose WAL sync is pending, oldest first. */
  private unsynced: CommittedBatch[] = [];
  private readonly walDescriptor: number;
  private syncsInFlight = 0;
  private syncFailure: Error | undefined;
  /** Resolves `close()` once no sync is pending or running. */
  private onIdle: (() => void) | undefined;

  constructor(file: string) {
    super();
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // The fsync of each commit is the store's own, off the event loop (see above).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // The WAL exists once the schema statement ran in WAL mode; it keeps its inode while a connection is open.
    // Opened for writing: some platforms refuse to flush a descriptor opened read-only.
    this.walDescriptor = openSync(`${file}-wal`, 'r+');
    // Compiled once: the group commit around a batch, and a savepoint around each append of it,
    // since a better-sqlite3 transaction nested in another is a savepoint: a refused append rolls back alone.
    this.writeBatch = this.db.transaction((write: () => void) => write());
    this.writeOne = this.db.transaction((item: PendingAppend, recordedAt: string, written: RecordedEvent[]) =>
      this.write(item, recordedAt, written),
    );
    this.statements = {
      lastRevision: this.db.prepare<[string], { revision: number | null }>(
        'SELECT max(revision) AS revision FROM events WHERE stream = ?',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at)
         VALUES (@id, @stream, @revision, @type, @data, @metadata, @recordedAt)`,
      ),
      readStream: this.db.prepare<[string], EventRow>('SELECT * FROM events WHERE stream = ? ORDER BY revision'),
      head: this.db.prepare<[], { position: number | null }>('SELECT max(position) AS position FROM events'),
      // Changes exactly when another connection (another process) commits to the file.
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (this.syncFailure) return Promise.reject(this.syncFailure);
    if (events.length === 0) return Promise.reject(new RangeError('append needs at least one event'));
    try {
      assertEventIds(events);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events, expected, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Transactions committed so far: fewer than appends when group commit batches them. */
  get committedTransactions(): number {
    return this.transactions;
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (this.syncFailure) {
      for (const item of batch) item.reject(this.syncFailure);
      return;
    }
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    const recorded: RecordedEvent[] = [];
    const recordedAt = new Date().toISOString();
    try {
      this.writeBatch.immediate(() => {
        for (const item of batch) {
          try {
            const written: RecordedEvent[] = [];
            outcomes.push({ ok: true, result: this.writeOne(item, recordedAt, written) });
            recorded.push(...written);
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
      this.transactions += 1;
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    this.syncThenSettle({
      firstPosition: recorded[0]?.position.commit,
      settle: () => {
        this.extendTail(recorded);
        batch.forEach((item, index) => {
          const outcome = outcomes[index];
          if (outcome.ok) item.resolve(outcome.result);
          else item.reject(outcome.error);
        });
      },
      fail: (error) => {
        for (const item of batch) item.reject(error);
      },
    });
  }

  private syncThenSettle(committed: CommittedBatch): void {
    this.unsynced.push(committed);
    this.syncsInFlight += 1;
    fdatasync(this.walDescriptor, (error) => {
      this.syncsInFlight -= 1;
      if (error) this.fail(error);
      const index = this.unsynced.indexOf(committed);
      // index -1: already settled by a later sync, which covered this commit too.
      for (const batch of this.unsynced.splice(0, index + 1)) {
        if (this.syncFailure) batch.fail(this.syncFailure);
        else batch.settle();
      }
      for (const subscription of this.subscriptions) subscription.wake();
      if (this.unsynced.length === 0 && this.syncsInFlight === 0) this.onIdle?.();
    });
  }

  private fail(error: Error): void {
    this.syncFailure ??= new Error(`the event store's log could not be synced to disk: ${error.message}`);
    // Subscribers read again, meet the failure and stop: projections retry, the live views fail closed.
    for (const subscription of this.subscriptions) subscription.wake();
  }

  private assertHealthy(): void {
    if (this.syncFailure) throw this.syncFailure;
  }

  /** Reads of the global order stop before the oldest commit not yet durable. */
  private durableBefore(): bigint | undefined {
    return this.unsynced.find((batch) => batch.firstPosition !== undefined)?.firstPosition;
  }

  private extendTail(recorded: readonly RecordedEvent[]): void {
    for (const event of recorded) {
      const last = this.tail[this.tail.length - 1];
      if (last && event.position.commit !== last.position.commit + 1n) this.tail = [];
      this.tail.push(event);
    }
    if (this.tail.length > 2 * TAIL_SIZE) this.tail = this.tail.slice(-TAIL_SIZE);
  }

  /** The events after `after` when the tail holds them all (the gap-free run up to the newest), else undefined. */
  private readTail(after: Position, limit: number): RecordedEvent[] | undefined {
    const first = this.tail[0];
    if (!first || after.commit < first.position.commit - 1n) return undefined;
    const start = Number(after.commit - first.position.commit) + 1;
    if (start >= this.tail.length) return undefined; // nothing newer here; the file may have others' writes
    return this.tail.slice(start, start + limit);
  }

  private write(item: PendingAppend, recordedAt: string, written: RecordedEvent[]): AppendResult {
    const last = this.statements.lastRevision.get(item.stream)?.revision ?? null;
    assertExpected(item.stream, item.expected, last);
    let revision = last ?? -1;
    let position = 0;
    for (const event of item.events) {
      revision += 1;
      const row = {
        // Lowercase, as EventStoreDB reads ids back, so one UUID in either case is one id to the unique index.
        id: event.id?.toLowerCase() ?? timeOrderedId(),
        stream: item.stream,
        revision,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
        recordedAt,
      };
      position = Number(this.statements.insert.run(row).lastInsertRowid);
      // Decoded from the stored text: exactly what a read of the file returns, detached from the caller's objects.
      written.push(deepFreeze(toRecorded({ ...row, position, recorded_at: recordedAt })));
    }
    return { nextRevision: revision, position: toPosition(position) };
  }

  /**
   * A stream as committed, durable or not yet: a command deciding on it appends after it, and that
   * append is answered only once a sync covering both has completed.
   */
  async readStream(stream: string): Promise<RecordedEvent[]> {
    this.assertHealthy();
    return this.statements.readStream.all(stream).map(toRecorded);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readAllNow(options);
  }

  private readAllNow({ after = START, filter, limit }: ReadAllOptions): RecordedEvent[] {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    this.assertHealthy();
    const before = this.durableBefore();
    const { where, parameters } = filterClause(filter);
    const bound = before === undefined ? '' : 'AND position < ?';
    const rows = this.prepared(
      `SELECT * FROM events WHERE position > ? ${bound} ${where} ORDER BY position LIMIT ?`,
    ).all(Number(after.commit), ...(before === undefined ? [] : [Number(before)]), ...parameters, limit);
    return rows.map(toRecorded);
  }

  /** Filtered reads vary in shape; each shape is compiled once. */
  private prepared(sql: string): Database.Statement<unknown[], EventRow> {
    let statement = this.statementCache.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(sql);
      this.statementCache.set(sql, statement);
    }
    return statement;
  }

  subscribe(options: SubscribeOptions): Subscription {
    const subscription = new PollingSubscription({
      after: options.after ?? START,
      signal: options.signal,
      read: (after, limit) => {
        this.assertHealthy();
        return (
          (options.filter ? undefined : this.readTail(after, limit)) ??
          this.readAllNow({ after, filter: options.filter, limit })
        );
      },
      onClose: () => {
        this.subscriptions.delete(subscription);
        if (this.subscriptions.size === 0) this.stopWatchingOthers();
      },
    });
    this.subscriptions.add(subscription);
    this.watchOthers();
    return subscription;
  }

  /**
   * Other processes on the same file (instances sharing a data directory, the CLIs) commit without
   * telling this one: their commits wake the subscriptions when `data_version` moves. This process's
   * own appends wake them directly, once synced.
   */
  private watchOthers(): void {
    if (this.othersWatch || this.closed) return;
    this.dataVersion = this.statements.dataVersion.get()!;
    this.othersWatch = setInterval(() => {
      if (this.syncFailure) return;
      const version = this.statements.dataVersion.get()!;
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      for (const subscription of this.subscriptions) subscription.wake();
    }, OTHER_WRITERS_CHECK_MS);
    this.othersWatch.unref();
  }

  private stopWatchingOthers(): void {
    clearInterval(this.othersWatch);
    this.othersWatch = undefined;
  }

  async headPosition(): Promise<Position> {
    this.assertHealthy();
    const before = this.durableBefore();
    const head = before === undefined ? this.statements.head.get()?.position : Number(before) - 1;
    return head == null || head < 1 ? START : toPosition(head);
  }

  async ping(): Promise<void> {
    this.assertHealthy();
    this.statements.head.get();
  }

  async verifyServer(): Promise<string> {
    return `SQLite ${this.db.prepare<[], { version: string }>('SELECT sqlite_version() AS version').get()!.version}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.stopWatchingOthers();
    if (this.queue.length > 0) this.flush();
    if (this.unsynced.length > 0 || this.syncsInFlight > 0)
      await new Promise<void>((resolve) => (this.onIdle = resolve));
    closeSync(this.walDescriptor);
    this.db.close();
  }
}

function assertExpected(stream: string, expected: ExpectedRevision, last: number | null): void {
  if (expected === 'any') return;
  if (expected === 'no_stream' ? last === null : last === expected) return;
  throw new WrongExpectedRevisionError(stream, expected, last ?? 'no_stream');
}

function filterClause(filter: AllFilter | undefined): { where: string; parameters: unknown[] } {
  const clauses: string[] = [];
  const parameters: unknown[] = [];
  if (filter?.streamPrefixes?.length) {
    // A range on the stream text instead of LIKE: no wildcard characters to escape.
    clauses.push(`(${filter.streamPrefixes.map(() => '(stream >= ? AND stream < ?)').join(' OR ')})`);
    for (const prefix of filter.streamPrefixes) parameters.push(prefix, `${prefix}\u{10FFFF}`);
  }
  if (filter?.types?.length) {
    clauses.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
    parameters.push(...filter.types);
  }
  return { where: clauses.map((clause) => `AND ${clause}`).join(' '), parameters };
}

function toPosition(rowPosition: number): Position {
  const value = BigInt(rowPosition);
  return { commit: value, prepare: value };
}

/** Tail events are shared by every subscriber: frozen, so none can change what the others see. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: toPosition(row.position),
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata) as EventMetadata,
    recordedAt: row.recorded_at,
  };
}
