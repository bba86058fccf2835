import { Position } from './position';

/** What a caller appends. `type` is a stable past-tense name, never derived from a class name. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  /**
   * The event's id, generated when absent. An id is a UUID in its 8-4-4-4-12 hexadecimal text form
   * (either case; read back in lowercase): anything else, or one id given twice in one append, is
   * refused with a RangeError before anything of that append is written (see `assertEventIds`).
   * Ids make a retried append safe: appending the same events again to the same stream (say after
   * an answer was lost, with the same expected revision or `any`) never stores them twice; the
   * store either accepts the retry without writing anything or refuses it.
   */
  readonly id?: string;
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The port's rule for `NewEvent.id`, for adapters to check before they write anything. */
export function assertEventIds(events: readonly NewEvent[]): void {
  const seen = new Set<string>();
  for (const { id } of events) {
    if (id === undefined) continue;
    if (typeof id !== 'string' || !UUID_TEXT.test(id))
      throw new RangeError(`event id ${JSON.stringify(id)} is not a UUID`);
    const key = id.toLowerCase();
    if (seen.has(key)) throw new RangeError(`event id ${id} is given twice in one append`);
    seen.add(key);
  }
}

export type ActorKind = 'admin' | 'client' | 'user' | 'system';

/** The envelope every event carries (DESIGN §4). */
export interface EventMetadata {
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  readonly correlationId: string;
  readonly causationId: string;
  readonly companyId?: string;
  readonly at: string;
  readonly schemaVersion: number;
  readonly ip?: string;
  readonly userAgent?: string;
  /** SHA-256 chained to the previous event of the stream (see event-chain.ts); set at append. */
  readonly hash?: string;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly stream: string;
  /** 0-based revision within its stream. */
  readonly revision: number;
  readonly position: Position;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  /** When the store recorded it (server clock), ISO-8601. */
  readonly recordedAt: string;
}

/**
 * What the appender believes the stream looks like: absent (`no_stream`), anything (`any`),
 * or exactly at a revision (the revision of its last event).
 */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event appended: the expected revision for the next append. */
  readonly nextRevision: number;
  /** Global position of the last event appended: what read-your-writes waits for. */
  readonly position: Position;
}

/** Server-side narrowing of `$all` reads: by stream-name prefix and/or exact event type. */
export interface AllFilter {
  readonly streamPrefixes?: readonly string[];
  readonly types?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: from the start. */
  readonly after?: Position;
  readonly filter?: AllFilter;
  readonly limit: number;
}

export interface SubscribeOptions {
  /** Exclusive, as for `readAll`. */
  readonly after?: Position;
  readonly filter?: AllFilter;
  readonly signal?: AbortSignal;
}

/**
 * A catch-up-then-live stream of events in batches: each step of `for await` yields, in order, the
 * events available at that moment (never an empty batch), so a consumer can apply many of them in
 * one read-model transaction. It ends when its signal aborts or `close()` is called. `caughtUp`
 * turns true once every event that existed when the subscription started has been handed over, at
 * the latest as the batch holding the last of them is.
 */
export interface Subscription extends AsyncIterable<readonly RecordedEvent[]> {
  readonly caughtUp: boolean;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, `'no_stream'` when it does not exist, undefined when unknown. */
    readonly actual: number | 'no_stream' | undefined,
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual ?? 'unknown'}`);
  }
}

/**
 * The event store port (DESIGN §2). The source of truth: append-only streams with optimistic
 * concurrency, a global order, and subscriptions. Adapters: `SqliteEventStore` (embedded) and
 * `EsdbEventStore` (EventStoreDB); both pass `test/contract/event-store.contract.ts`.
 */
export abstract class EventStore {
  abstract append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Every event of a stream in revision order; an empty array when the stream does not exist. */
  abstract readStream(stream: string): Promise<RecordedEvent[]>;
  abstract readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  abstract subscribe(options: SubscribeOptions): Subscription;
  /** Position of the newest event, START when the store is empty. */
  abstract headPosition(): Promise<Position>;
  /** Throws when the store cannot be reached (readiness probe). */
  abstract ping(): Promise<void>;
  /**
   * Names the server and its version, once it answers; throws `UnsupportedStoreError` when this
   * service cannot run on it (checked at boot and after every reconnection).
   */
  abstract verifyServer(): Promise<string>;
  abstract close(): Promise<void>;
}
