import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START as ESDB_START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  type Filter,
  type JSONType,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { StoreUnavailableError, UnsupportedStoreError, withDeadline } from '../store-unavailable';
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
import { type Position, START, comparePositions } from './position';

/** Events fetched per `$all` round trip while paging past events the server filter let through. */
const PAGE_SIZE = 256;
/** The most events one subscription batch carries: bounds a read-model transaction. */
const MAX_BATCH = 500;
/**
 * A filtered subscription reports where it has got to every this many search windows (of 32 events
 * by default) that it scanned: progress a filtered read's deadline can see where nothing matches.
 */
const CHECKPOINT_INTERVAL = 32;
/**
 * The oldest server this adapter runs on: catch-up subscriptions announce "caught up" only from
 * EventStoreDB 23.10 on, and without it no projection or live view would ever report live.
 */
export const MINIMUM_SERVER_VERSION = '23.10';
/**
 * The client sends an append's deadline to the server as an absolute instant (its batch-append
 * `deadline_21_10_0` field), so a server whose clock runs ahead of this host's by more than the
 * deadline refuses every append as already expired. The server is given this much more, and the
 * real deadline is this process's own relative timer (`withDeadline`).
 */
const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

export interface EsdbOptions {
  /** Deadline of every call that is not a subscription, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * The EventStoreDB / KurrentDB adapter of the event store port, over `@kurrent/kurrentdb-client`
 * (the maintained, renamed `@eventstore/db-client`). This is the only file that may import it.
 *
 * Every call has a deadline of its own (`timeoutMs`) and turns "cannot reach the server" into
 * `StoreUnavailableError`; the client connects lazily and reconnects by itself after a refused or
 * dropped connection, so a server that is down at start or later costs failed calls, never the
 * process. An append or version check that times out is different: both go through the client's
 * cached answer to its first server-features call, which it drops only when a failure makes it
 * reconnect, and a deadline does not, so one server that hangs for a moment would fail every
 * append for good. The adapter then replaces the client (subscriptions on the old one end with an
 * error and resume); reads do not consult that answer, and their timeouts leave the client be.
 */
export class EsdbEventStore extends EventStore {
  private client: KurrentDBClient;
  private closed = false;

  private constructor(
    private readonly connectionString: string,
    private readonly options: EsdbOptions,
  ) {
    super();
    this.client = KurrentDBClient.connectionString(connectionString);
  }

  /** Creates the client without connecting; throws the client's own parse error for a malformed string. */
  static connect(connectionString: string, options: EsdbOptions): EsdbEventStore {
    return new EsdbEventStore(connectionString, options);
  }

  /** What the client's parser says is wrong with a connection string, or undefined when it accepts it. */
  static connectionStringProblem(connectionString: string): string | undefined {
    try {
      KurrentDBClient.connectionString(connectionString); // parses only: the client connects on first use
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError(`append to ${stream}: no events (empty appends are not allowed)`);
    assertEventIds(events);
    let result;
    try {
      result = await this.call('append', { renewOnTimeout: true }, (client) =>
        client.appendToStream(
          stream,
          events.map(({ id, type, data, metadata }) =>
            // Data and metadata are stored as JSON and read back as-is.
            jsonEvent({ id, type, data: data as JSONType, metadata: { ...metadata } }),
          ),
          { streamState: toStreamState(expected), deadline: this.options.timeoutMs + CLOCK_SKEW_ALLOWANCE_MS },
        ),
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // The client reports a missing stream as the actual state 'no_stream'.
        const actual = error.actualState === NO_STREAM ? 'no_stream' : Number(error.actualState);
        throw new WrongExpectedRevisionError(stream, expected, actual);
      }
      throw error;
    }
    // The server answers `no_position` when the write's commit position is unknown (-1), e.g. some
    // idempotent re-appends; the stream's last event is then at or after what was written.
    const position = result.position ?? (await this.lastPositionOf(stream));
    return { nextRevision: Number(result.nextExpectedRevision), position: copy(position) };
  }

  async readStream(stream: string): Promise<RecordedEvent[]> {
    try {
      const events = await this.call('read', {}, (client) =>
        collect(client.readStream(stream, { direction: FORWARDS, fromRevision: ESDB_START })),
      );
      return events.filter((event) => !event.type.startsWith('$')).map(toRecorded);
    } catch (error) {
      // A stream that was never written to is an empty stream for the port.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll({ after, filter, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    return filter?.streamPrefixes?.length || filter?.types?.length
      ? this.readFiltered(after, filter, limit)
      : this.readEverything(after, limit);
  }

  /**
   * Every event but the server's own, in pages of `PAGE_SIZE`: each round trip is bounded by its
   * page (the server's own events are a trickle), so the deadline of each is enough.
   */
  private async readEverything(after: Position | undefined, limit: number): Promise<RecordedEvent[]> {
    const accept = acceptor(undefined);
    const events: RecordedEvent[] = [];
    let cursor = isStart(after) ? undefined : after;
    while (events.length < limit) {
      const page = await this.readAllPage({
        fromPosition: fromPosition(cursor),
        maxCount: PAGE_SIZE,
        filter: excludeSystemEvents(),
      });
      for (const event of page) {
        // readAll's fromPosition is inclusive (the client's "from position" test reads the event at
        // that very position back), while the port's `after` is exclusive.
        if (cursor && comparePositions(event.position, cursor) <= 0) continue;
        cursor = event.position;
        if (accept(event)) events.push(toRecorded(event));
        if (events.length === limit) break;
      }
      if (page.length < PAGE_SIZE) break;
    }
    return events;
  }

  /**
   * The events matching `filter`, through a filtered `$all` subscription that ends at `limit`
   * events or when it has caught up (the end of `$all` as it was). Not a filtered read: the server
   * answers a read only once it has found `maxCount` matches or reached the end, so where matches
   * are rare one read scans the whole store in silence and no deadline fits it. A subscription
   * reports its progress through the store with checkpoints, even when nothing matches, so the
   * deadline here is on progress: the read fails only when the server stops making any.
   */
  private readFiltered(after: Position | undefined, filter: AllFilter, limit: number): Promise<RecordedEvent[]> {
    const accept = acceptor(filter);
    const timeoutMs = this.options.timeoutMs;
    return new Promise((resolve, reject) => {
      const events: RecordedEvent[] = [];
      let settled = false;
      let caughtUp = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        source.unsubscribe().catch(() => undefined);
        if (error) reject(asUnavailable(error));
        else resolve(events);
      };
      const progressed = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => finish(new StoreUnavailableError('eventStore', `a filtered read made no progress for ${timeoutMs} ms`)),
          timeoutMs,
        );
      };
      // Caught up means the end of `$all`, once the events buffered before the message are handed over.
      const endIfCaughtUp = () => caughtUp && source.readableLength === 0 && finish();
      const source = this.client.subscribeToAll(
        {
          fromPosition: fromPosition(after),
          filter: serverFilter(filter, { checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached: progressed }),
        },
        { highWaterMark: MAX_BATCH },
      );
      progressed();
      source.on('data', ({ event }: { event?: EsdbRecordedEvent }) => {
        if (settled) return;
        progressed();
        if (event && accept(event)) events.push(toRecorded(event));
        if (events.length >= limit) finish();
        else endIfCaughtUp();
      });
      source.on('caughtUp', () => {
        caughtUp = true;
        endIfCaughtUp();
      });
      source.on('error', (error) => finish(error));
      source.on('end', () => finish(new StoreUnavailableError('eventStore', 'the read was ended by the server')));
    });
  }

  subscribe({ after, filter, signal }: SubscribeOptions): Subscription {
    // subscribeToAll's fromPosition is exclusive: subscribing from an append's position delivers
    // only later events. The client buffers only 16 events by default: room for a whole batch
    // lets a lagging consumer take one.
    // Opened on the client current at first iteration: a consumer resuming after a drop gets the new one.
    const open = () =>
      this.client.subscribeToAll(
        { fromPosition: fromPosition(after), filter: serverFilter(filter) },
        { highWaterMark: MAX_BATCH },
      );
    return new EsdbSubscription(open, acceptor(filter), this.options.timeoutMs, signal);
  }

  async headPosition(): Promise<Position> {
    // $all always holds the server's own (`$`-prefixed) events: the server skips them.
    const [newest] = await this.readAllPage({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
      filter: excludeSystemEvents(),
    });
    return newest ? copy(newest.position) : START;
  }

  async ping(): Promise<void> {
    await this.readAllPage({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
  }

  /**
   * The server's version, from its ServerFeatures answer; refuses a server older than
   * `MINIMUM_SERVER_VERSION` (or too old to say, before 21.10).
   */
  async verifyServer(): Promise<string> {
    // `capabilities` is the client's own (protected) cached ServerFeatures call; there is no public one.
    const { serverVersion } = await this.call('server version', { renewOnTimeout: true }, (client) => {
      const features = (client as unknown as { capabilities?: Promise<{ serverVersion?: unknown }> }).capabilities;
      if (!features)
        throw new Error('this @kurrent/kurrentdb-client has no ServerFeatures call to read the version from');
      return features;
    });
    if (typeof serverVersion !== 'string') throw new Error('EventStoreDB did not say its version');
    if (!isAtLeast(serverVersion, MINIMUM_SERVER_VERSION)) {
      throw new UnsupportedStoreError(
        `EventStoreDB ${serverVersion} is older than ${MINIMUM_SERVER_VERSION}, the oldest this service supports`,
      );
    }
    return `EventStoreDB ${serverVersion}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.dispose();
  }

  /** One bounded `$all` read, consumed in full so no gRPC stream is left half-read. */
  private async readAllPage(options: EsdbReadAllOptions): Promise<AllStreamRecordedEvent[]> {
    return this.call('read', {}, (client) => collect(client.readAll(options)));
  }

  private async lastPositionOf(stream: string): Promise<Position> {
    const [last] = await this.call('read', {}, (client) =>
      collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })),
    );
    if (last?.position) return last.position;
    throw new Error(`EventStoreDB returned no position for the append to ${stream}`);
  }

  /**
   * The deadline, the client's connection failures as the port's `StoreUnavailableError`, and, for
   * the calls that consult the client's cached server features, a new client after a timeout.
   */
  private async call<T>(
    what: string,
    { renewOnTimeout = false }: { renewOnTimeout?: boolean },
    work: (client: KurrentDBClient) => Promise<T>,
  ): Promise<T> {
    const client = this.client;
    let timedOut = false;
    try {
      return await withDeadline(
        Promise.resolve().then(() => work(client)),
        this.options.timeoutMs,
        () => {
          timedOut = true;
          return new StoreUnavailableError('eventStore', `${what} took longer than ${this.options.timeoutMs} ms`);
        },
      );
    } catch (error) {
      if (renewOnTimeout && (timedOut || error instanceof DeadlineExceededError)) this.replace(client);
      throw asUnavailable(error);
    }
  }

  /** Once per failed client: concurrent calls that timed out on it share its successor. */
  private replace(failed: KurrentDBClient): void {
    if (this.closed || this.client !== failed) return;
    this.client = KurrentDBClient.connectionString(this.connectionString);
    failed.dispose().catch(() => undefined);
  }
}

/**
 * A catch-up subscription over `subscribeToAll`, consumed with `for await`. Each batch is the event
 * just received plus what the client stream has buffered behind it, up to `MAX_BATCH`, so a
 * consumer that falls behind catches up in large transactions. The client stream is opened on
 * first iteration, and must be confirmed by the server within the deadline. Any end the consumer
 * did not ask for (the server or the connection went away) is an error, never a silent end, so
 * the consumer resumes from its position.
 */
class EsdbSubscription implements Subscription {
  caughtUp = false;
  private source?: AllStreamSubscription;
  private closed = false;
  private iterated = false;
  /** Ends the wait for the server's confirmation when the consumer closes meanwhile. */
  private readonly closing = new AbortController();

  constructor(
    private readonly open: () => AllStreamSubscription,
    private readonly accept: (event: EsdbRecordedEvent) => boolean,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<readonly RecordedEvent[]> {
    if (this.iterated) throw new Error('an EventStoreDB subscription can be iterated only once');
    this.iterated = true;
    if (this.closed || this.signal?.aborted) return;
    const source = (this.source = this.open());
    const onAbort = () => void this.close();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    // The server's CaughtUp message (EventStoreDB 23.10+) arrives in order after the catch-up
    // events, but those may still sit in the stream's buffer: count them down so `caughtUp` turns
    // true with the last of them, not before it is delivered. When the last ones are filtered out
    // here, it turns true while the caller awaits the next batch.
    let undelivered: number | undefined;
    source.on('caughtUp', () => {
      undelivered = source.readableLength;
      if (undelivered === 0) this.caughtUp = true;
    });
    const take = (batch: RecordedEvent[], { event }: { event?: EsdbRecordedEvent }) => {
      if (undelivered !== undefined && --undelivered <= 0) this.caughtUp = true;
      if (event && this.accept(event)) batch.push(toRecorded(event));
    };
    try {
      await this.confirmed(source);
      for await (const first of source) {
        if (this.closed) break;
        const batch: RecordedEvent[] = [];
        take(batch, first);
        // read() hands over what is already buffered without waiting; null when the buffer is empty.
        for (
          let next;
          batch.length < MAX_BATCH && (next = source.read() as { event?: EsdbRecordedEvent } | null) !== null;
        )
          take(batch, next);
        if (batch.length > 0) yield batch;
      }
      if (!this.closed) throw new StoreUnavailableError('eventStore', 'the subscription was ended by the server');
    } catch (error) {
      if (!this.closed) throw asUnavailable(error); // errors raised while tearing down are not the caller's
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      await this.close();
    }
  }

  /** Never rejects: a call that never opened (the server was never reached) has nothing to cancel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    // Cancels the gRPC call; the client swallows the cancellation and ends the stream.
    await this.source?.unsubscribe().catch(() => undefined);
  }

  /**
   * A subscription call has no deadline of its own (it lives for as long as it is followed): the
   * server's confirmation must arrive within the deadline, or a server that accepts the connection
   * and never answers would leave it waiting for good. Keep-alive pings catch a dead link later.
   */
  private confirmed(source: AllStreamSubscription): Promise<void> {
    return withDeadline(
      new Promise<void>((resolve, reject) => {
        source.once('confirmation', () => resolve());
        source.once('error', reject);
        // Closed by the consumer meanwhile: the loop below ends at once.
        this.closing.signal.addEventListener('abort', () => resolve(), { once: true });
      }),
      this.timeoutMs,
      () => new StoreUnavailableError('eventStore', `the subscription was not confirmed within ${this.timeoutMs} ms`),
    );
  }
}

/** Connection-level failures, from the gRPC layer or the client's native reader, as the port's error. */
function asUnavailable(error: unknown): Error {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    // gRPC statuses the client does not convert: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED.
    [14, 4].includes((error as { code?: unknown })?.code as number) ||
    // No node of a cluster answered gossip: the client throws a plain Error (Client/discovery.js).
    (error instanceof Error && /^Failed to discover after \d+ attempts/.test(error.message))
  ) {
    return new StoreUnavailableError('eventStore', (error as Error).message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function collect<E>(reads: AsyncIterable<{ event?: E }>): Promise<E[]> {
  const events: E[] = [];
  // Without resolveLinkTos every resolved event carries `event`.
  for await (const { event } of reads) if (event) events.push(event);
  return events;
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

function toRecorded(event: EsdbRecordedEvent): RecordedEvent {
  // Stream reads carry the $all position only from EventStoreDB 22.6 on.
  if (!event.position) throw new Error(`EventStoreDB returned no position for ${event.streamId}@${event.revision}`);
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: copy(event.position),
    type: event.type,
    data: event.data,
    metadata: metadataOf(event),
    recordedAt: event.created.toISOString(),
  };
}

function isStart(position: Position | undefined): boolean {
  return position === undefined || comparePositions(position, START) <= 0;
}

/** The port's START (-1/-1) is not a log position the server accepts: it is the client's START. */
function fromPosition(after: Position | undefined): ReadPosition {
  return after === undefined || isStart(after) ? ESDB_START : copy(after);
}

function copy(position: Position): { commit: bigint; prepare: bigint } {
  return { commit: position.commit, prepare: position.prepare };
}

/** `$`-prefixed types and streams belong to EventStoreDB itself (stats, metadata, link events). */
function isSystem(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** The full client-side check: no system events, then the port filter (empty lists do not narrow). */
function acceptor(filter: AllFilter | undefined): (event: EsdbRecordedEvent) => boolean {
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  const types = filter?.types?.length ? new Set(filter.types) : undefined;
  return (event) =>
    !isSystem(event) &&
    (!prefixes || prefixes.some((prefix) => event.streamId.startsWith(prefix))) &&
    (!types || types.has(event.type));
}

/**
 * The one filter EventStoreDB applies server-side: stream prefixes (a category or one stream,
 * the narrower of the two when both are given), else exact types, else no system events.
 */
function serverFilter(filter: AllFilter | undefined, progress: FilterProgress = {}): Filter {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes], ...progress });
  if (filter?.types?.length) {
    // The server tests the regex unanchored (`Regex.Match(type).Success`), hence the anchors.
    return eventTypeFilter({ regex: `^(?:${filter.types.map(escapeRegex).join('|')})$`, ...progress });
  }
  return excludeSystemEvents(progress);
}

type FilterProgress = { checkpointInterval?: number; checkpointReached?: () => void };

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `major.minor` comparison of dotted versions ("24.10.0" ≥ "23.10"). */
function isAtLeast(version: string, minimum: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  const [wantMajor, wantMinor] = minimum.split('.').map(Number);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  return major !== wantMajor ? major > wantMajor : minor >= wantMinor;
}

/** This service writes every event's envelope as a JSON object; anything else is not one of its events. */
function metadataOf(event: EsdbRecordedEvent): EventMetadata {
  if (!isEnvelope(event.metadata)) throw new Error(`${event.streamId}@${event.revision} has no event envelope`);
  return event.metadata;
}

function isEnvelope(value: unknown): value is EventMetadata {
  if (typeof value !== 'object' || value === null || !('actor' in value)) return false;
  const { actor } = value;
  return (
    typeof actor === 'object' &&
    actor !== null &&
    'kind' in actor &&
    'id' in actor &&
    'correlationId' in value &&
    'at' in value &&
    'schemaVersion' in value &&
    typeof value.schemaVersion === 'number'
  );
}
