import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
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
import type {
  BatchHeader,
  Refusal,
  WriterData,
  WriterReply,
  WriterRequest,
  Written,
} from './sqlite-event-store.messages';

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

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A group commit posted to the writer, waiting for its answer: its appends, and their rows as sent. */
interface PostedBatch {
  readonly appends: readonly PendingAppend[];
  readonly header: BatchHeader;
  /** As in `AppendBatch.rows`: from index 1, each event's data then its metadata. */
  readonly texts: readonly string[];
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

/**
 * The writer thread's code: plain JavaScript beside this file, in the sources (jest) as in dist
 * (the build copies it there), since a worker thread cannot load TypeScript.
 */
const WRITER_FILE = join(__dirname, 'sqlite-event-store.worker.js');
/** Between the parts of `AppendBatch.rows`: no JSON text holds it unescaped. */
const SEPARATOR = '\u0000';

/** How many of its newest appends the store keeps in memory for its live subscriptions. */
const TAIL_SIZE = 4_096;

/**
 * A test's hand on the writer's WAL sync, since a disk cannot be made to stall or fail on demand:
 * `hold()` makes the writer wait before each sync until `release()`, `fail()` makes each sync fail
 * with EIO. Shared memory, read by the writer thread right before it syncs; never used by the service.
 */
export class SyncGate {
  /** [0]: 0 pass, 1 hold, 2 fail; [1]: how many syncs wait at the gate. */
  readonly cells = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));

  hold(): void {
    Atomics.store(this.cells, 0, 1);
  }

  release(): void {
    this.set(0);
  }

  fail(): void {
    this.set(2);
  }

  /** Whether a sync is waiting at the gate: its transaction committed, not yet synced. */
  get waiting(): boolean {
    return Atomics.load(this.cells, 1) > 0;
  }

  private set(mode: number): void {
    Atomics.store(this.cells, 0, mode);
    Atomics.notify(this.cells, 0);
  }
}

export interface SqliteEventStoreOptions {
  /** For the specs of the sync's failure modes only. */
  readonly syncGate?: SyncGate;
  /** Told the number of events each committed transaction wrote (group commit), as its appends are answered. */
  readonly onGroupCommit?: (events: number) => void;
}

/**
 * The embedded event store: one SQLite file in WAL mode; an append is answered only once the WAL
 * holding it has been fsynced, so an append that has resolved survives `kill -9` and power loss.
 *
 * Writes run off the request event loop, on a writer thread of the store's own
 * (`sqlite-event-store.worker.js`, started with the store) with its own connection. Group commit:
 * appends arriving in the same event-loop turn are queued and posted to it as one batch; it writes
 * a batch, with every batch that queued up behind it while it was syncing, in one transaction, each
 * append checked against its own expected revision inside a savepoint (a refused append rolls back
 * alone), so batching never weakens optimistic concurrency. The `(stream, revision)` unique
 * constraint backs the check should anything else write to the file. The writer commits with
 * `synchronous = NORMAL` (WAL written, not yet synced), fdatasyncs the WAL on its own thread, then
 * answers each append with a few numbers, the position and revision of its first event: the main
 * thread already holds everything else of the rows (it generated the ids, encoded data and
 * metadata, and stamped `recordedAt`), so nothing else crosses back and nothing is decoded twice.
 * Syncing on the writer's thread rather than in libuv's pool keeps that thread busy, not asleep,
 * while batches arrive during a sync, and waking a sleeping thread is most of what a handoff costs
 * the main thread (measured here: ~40 µs per post to an idle writer, ~2 µs to a busy one).
 *
 * Until an append is answered, its events are withheld from `readAll`, `headPosition` and
 * subscriptions (and so from read models and the security view): while any batch is out with the
 * writer, reads of the global order stop at the newest position known durable (see `visibleHead`).
 * `readStream` reads the file as committed (see its comment). A failed sync is fatal to the store:
 * what it committed may or may not be on disk, so from then on every append, read and `ping` throws
 * (readiness turns red, views fail closed) until the process is restarted on the file. So is a
 * writer thread that dies, for the same reason.
 *
 * Reads run on the main thread's connection (WAL readers do not wait for the writer), which never
 * writes after creating the schema (`query_only`). Live subscriptions read from an in-memory tail of
 * this process's newest durable appends instead of the file, so the projections and the live view
 * following the head share one decoded copy of each event (read-only to all of them), decoded when
 * first read. The tail holds positions without a gap: when another process has written in between,
 * it starts over, and reads it cannot answer go to the file. The writer watches for other processes'
 * commits (`PRAGMA data_version`, which its own commits do not move) while anything is subscribed.
 */
export class SqliteEventStore extends EventStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly writer: Worker;
  private readonly writerExit: Promise<void>;
  private queue: PendingAppend[] = [];
  /** Batches posted to the writer, oldest first, waiting for their answers (which come in this order). */
  private posted: PostedBatch[] = [];
  private transactions = 0;
  private closed = false;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly statementCache = new Map<string, Database.Statement<unknown[], EventRow>>();
  private tail: TailEvent[] = [];
  /**
   * The newest position this process has answered or shown: every own commit still out with the
   * writer lands after it, so reads of the global order stop there while any is (and show all the
   * file holds, other processes' commits too, when none is). Raised by each answer to the head of
   * the file as that transaction committed, so other processes' commits are not held back long.
   */
  private visibleHead: number;
  private failure: Error | undefined;
  /** Resolves `close()` once every posted batch is answered. */
  private onIdle: (() => void) | undefined;
  private readonly onGroupCommit: ((events: number) => void) | undefined;

  constructor(file: string, options: SqliteEventStoreOptions = {}) {
    super();
    this.onGroupCommit = options.onGroupCommit;
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // From here on this connection only reads; the writer thread writes.
    this.db.pragma('query_only = ON');
    this.statements = {
      readStream: this.db.prepare<[string], EventRow>('SELECT * FROM events WHERE stream = ? ORDER BY revision'),
      head: this.db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
    };
    this.visibleHead = this.statements.head.get() ?? 0;
    // Started now, so that its start (tens of milliseconds) is over by the first append.
    const workerData: WriterData = { file, syncGate: options.syncGate?.cells };
    // No inherited execArgv: a profiler or inspector flag of the service is not the writer's.
    this.writer = new Worker(WRITER_FILE, { workerData, execArgv: [] });
    // An append waiting for its answer keeps the process alive (see `flush`); an idle writer does not.
    this.writer.unref();
    this.writer.on('message', (reply: WriterReply) => this.receive(reply));
    this.writer.on('error', (error) => this.fail(new Error(`the event store's writer failed: ${error.message}`)));
    this.writerExit = new Promise((resolve) =>
      this.writer.once('exit', (code) => {
        if (!this.closed || this.posted.length > 0)
          this.fail(new Error(`the event store's writer stopped (exit code ${code})`));
        resolve();
      }),
    );
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (this.failure) return Promise.reject(this.failure);
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

  /** Posts this turn's appends to the writer as one batch. */
  private flush(): void {
    const queued = this.queue;
    this.queue = [];
    if (this.failure) {
      for (const item of queued) item.reject(this.failure);
      return;
    }
    const header = {
      recordedAt: new Date().toISOString(),
      streams: [] as string[],
      expected: [] as ExpectedRevision[],
      counts: [] as number[],
      ids: [] as string[],
      types: [] as string[],
    };
    const texts = ['']; // [0]: the header, once complete
    const appends: PendingAppend[] = [];
    for (const item of queued) {
      const encoded: string[] = [];
      try {
        for (const event of item.events) encoded.push(encode(event.data), encode(event.metadata));
      } catch (error) {
        item.reject(error); // this append alone, as a failed insert would be
        continue;
      }
      appends.push(item);
      header.streams.push(item.stream);
      header.expected.push(item.expected);
      header.counts.push(item.events.length);
      for (const event of item.events) {
        // Lowercase, as EventStoreDB reads ids back, so one UUID in either case is one id to the unique index.
        header.ids.push(event.id?.toLowerCase() ?? timeOrderedId());
        header.types.push(event.type);
      }
      texts.push(...encoded);
    }
    if (appends.length === 0) return;
    this.posted.push({ appends, header, texts });
    if (this.posted.length === 1) this.writer.ref();
    texts[0] = JSON.stringify(header);
    this.post({ kind: 'append', rows: texts.join(SEPARATOR) });
  }

  private post(request: WriterRequest): void {
    this.writer.postMessage(request);
  }

  private receive(reply: WriterReply): void {
    if (reply.kind === 'others-wrote') {
      this.wakeSubscriptions();
      return;
    }
    if (reply.kind === 'sync-failed') {
      this.fail(new Error(`the event store's log could not be synced to disk: ${reply.message}`));
      return;
    }
    if (this.failure) return; // its appends were failed already
    for (const outcome of reply.outcomes) {
      const answered = this.posted.splice(0, outcome.batches);
      if ('notWritten' in outcome) {
        const error = sqliteError(outcome.notWritten.message, outcome.notWritten.code);
        for (const batch of answered) for (const item of batch.appends) item.reject(error);
      } else {
        this.transactions += 1;
        this.visibleHead = Math.max(this.visibleHead, outcome.head);
        const written = this.settle(answered, outcome);
        this.onGroupCommit?.(written);
      }
    }
    this.wakeSubscriptions();
    this.whenIdle();
  }

  /**
   * Extends the tail in commit order, then answers each append: the batch is durable. Returns the
   * number of events the transaction wrote.
   */
  private settle(answered: readonly PostedBatch[], { firsts, refusals }: Written): number {
    const outcomes: Array<() => void> = [];
    let index = 0;
    let refused = 0;
    let written = 0;
    for (const { appends, header, texts } of answered) {
      let from = 0;
      appends.forEach((item, append) => {
        const count = header.counts[append];
        const position = firsts[2 * index];
        const revision = firsts[2 * index + 1];
        if (position < 0) {
          const refusal = refusals[refused++];
          outcomes.push(() => item.reject(refusalError(item, refusal)));
        } else {
          written += count;
          for (let i = 0; i < count; i++)
            this.extendTail(
              new TailEvent(
                header.ids[from + i],
                item.stream,
                revision + i,
                position + i,
                header.types[from + i],
                texts[1 + 2 * (from + i)],
                texts[2 + 2 * (from + i)],
                header.recordedAt,
              ),
            );
          const result = { nextRevision: revision + count - 1, position: toPosition(position + count - 1) };
          outcomes.push(() => item.resolve(result));
        }
        from += count;
        index += 1;
      });
    }
    if (this.tail.length > 2 * TAIL_SIZE) this.tail = this.tail.slice(-TAIL_SIZE);
    for (const outcome of outcomes) outcome();
    return written;
  }

  private whenIdle(): void {
    if (this.posted.length > 0) return;
    this.writer.unref();
    this.onIdle?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const batch of this.posted.splice(0)) for (const item of batch.appends) item.reject(this.failure);
    // Subscribers read again, meet the failure and stop: projections retry, the live views fail closed.
    this.wakeSubscriptions();
    this.whenIdle();
    // What it committed may not be on disk: it writes nothing more.
    void this.writer.terminate();
  }

  private wakeSubscriptions(): void {
    for (const subscription of this.subscriptions) subscription.wake();
  }

  private assertHealthy(): void {
    if (this.failure) throw this.failure;
  }

  private extendTail(event: TailEvent): void {
    const last = this.tail[this.tail.length - 1];
    if (last && event.position !== last.position + 1) this.tail = [];
    this.tail.push(event);
  }

  /** The events after `after` when the tail holds them all (the gap-free run up to the newest), else undefined. */
  private readTail(after: Position, limit: number): RecordedEvent[] | undefined {
    const first = this.tail[0];
    if (!first || after.commit < BigInt(first.position) - 1n) return undefined;
    const start = Number(after.commit) - first.position + 1;
    if (start >= this.tail.length) return undefined; // nothing newer here; the file may have others' writes
    return this.tail.slice(start, start + limit).map((event) => event.recorded);
  }

  /**
   * A stream as committed, durable or not yet: a command deciding on it appends after it, and that
   * append is answered only once a sync covering both has completed (the writer syncs in commit
   * order). An append that has been answered is always seen here: it was committed before its
   * answer was sent, and this connection reads the newest commit at each statement. An append not
   * yet answered may or may not be, depending on whether the writer has committed it yet, which
   * waits for the sync under way, if any, to complete (a millisecond or so): a command deciding on
   * the stream meanwhile appends at the revision it read and is refused as stale, and decides again
   * (`retryOnConflict`) or answers 409. Before the writer thread, the commit happened at the end of
   * the turn that queued it, so that window was narrower; committing while a sync runs (the sync in
   * libuv's pool) would narrow it again, at the cost of waking the writer for every batch.
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
    // Decided before the read, which cannot race the writer: only this thread posts batches.
    const writing = this.posted.length > 0;
    const { where, parameters } = filterClause(filter);
    const bound = writing ? 'AND position <= ?' : '';
    const rows = this.prepared(
      `SELECT * FROM events WHERE position > ? ${bound} ${where} ORDER BY position LIMIT ?`,
    ).all(Number(after.commit), ...(writing ? [this.visibleHead] : []), ...parameters, limit);
    if (!writing && rows.length > 0) this.visibleHead = Math.max(this.visibleHead, rows[rows.length - 1].position);
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
        if (this.subscriptions.size === 0 && !this.failure) this.post({ kind: 'watch', on: false });
      },
    });
    this.subscriptions.add(subscription);
    // Other processes on the same file (instances sharing a data directory, the CLIs) commit without
    // telling this one: the writer watches for their commits while anything is subscribed and says so.
    // This process's own appends wake the subscriptions directly, once answered.
    if (this.subscriptions.size === 1 && !this.failure && !this.closed) this.post({ kind: 'watch', on: true });
    return subscription;
  }

  async headPosition(): Promise<Position> {
    this.assertHealthy();
    if (this.posted.length === 0) this.visibleHead = Math.max(this.visibleHead, this.statements.head.get() ?? 0);
    return this.visibleHead < 1 ? START : toPosition(this.visibleHead);
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
    if (this.queue.length > 0) this.flush();
    if (this.posted.length > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    if (!this.failure) {
      this.writer.ref(); // until it has closed its connection and stopped
      this.post({ kind: 'close' });
    }
    await this.writerExit;
    this.db.close();
  }
}

/**
 * An event of the tail: the row as this process wrote it, decoded when a subscriber first reads it,
 * then shared by every subscriber: frozen, so none can change what the others see.
 */
class TailEvent {
  private decoded: RecordedEvent | undefined;

  constructor(
    readonly id: string,
    readonly stream: string,
    readonly revision: number,
    readonly position: number,
    readonly type: string,
    private readonly data: string,
    private readonly metadata: string,
    readonly recordedAt: string,
  ) {}

  /** Decoded from the text stored: exactly what a read of the file returns, detached from the caller's objects. */
  get recorded(): RecordedEvent {
    this.decoded ??= deepFreeze(
      toRecorded({
        position: this.position,
        id: this.id,
        stream: this.stream,
        revision: this.revision,
        type: this.type,
        data: this.data,
        metadata: this.metadata,
        recorded_at: this.recordedAt,
      }),
    );
    return this.decoded;
  }
}

/** What `JSON.stringify` made of a value, stored as the event's text; a value it cannot write is refused. */
function encode(value: unknown): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError(`cannot store ${typeof value} as an event's data or metadata`);
  return text;
}

function refusalError(item: PendingAppend, refusal: Refusal): Error {
  return 'actual' in refusal
    ? new WrongExpectedRevisionError(item.stream, item.expected, refusal.actual)
    : sqliteError(refusal.message, refusal.code);
}

/** The writer's error on this side: SQLite's own error class when SQLite refused, with its code. */
function sqliteError(message: string, code: string | undefined): Error {
  return code === undefined ? new Error(message) : new Database.SqliteError(message, code);
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
