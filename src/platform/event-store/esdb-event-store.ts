import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START as ESDB_START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Filter,
  type JSONType,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  AllFilter,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  WrongExpectedRevisionError,
} from './event-store';
import { Position, START, comparePositions } from './position';

/** Events fetched per `$all` round trip while paging past system and filtered-out events. */
const PAGE_SIZE = 256;
/** The most events one subscription batch carries: bounds a read-model transaction. */
const MAX_BATCH = 500;

/**
 * The EventStoreDB adapter of the event store port, over `@eventstore/db-client` 6.x (gRPC).
 * This is the only file that may import the client.
 */
export class EsdbEventStore extends EventStore {
  private constructor(private readonly client: EventStoreDBClient) {
    super();
  }

  static connect(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError(`append to ${stream}: no events (empty appends are not allowed)`);
    let result;
    try {
      result = await this.client.appendToStream(
        stream,
        events.map(({ id, type, data, metadata }) =>
          // Data and metadata are stored as JSON and read back as-is.
          jsonEvent({ id, type, data: data as JSONType, metadata: metadata as unknown as JSONType }),
        ),
        { expectedRevision: toExpectedRevision(expected) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // The client reports a missing stream as the actual version 'no_stream'.
        const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
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
    const events: RecordedEvent[] = [];
    try {
      for await (const { event } of this.client.readStream(stream, { direction: FORWARDS, fromRevision: ESDB_START })) {
        if (event && !event.type.startsWith('$')) events.push(toRecorded(event));
      }
    } catch (error) {
      // A stream that was never written to is an empty stream for the port.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll({ after, filter, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    // db-client 6.2.1's readAll has no server-side filter (it always sends `NoFilter`), so system
    // events and the port filter are applied here, paging until `limit` accepted events are
    // collected or the end of `$all` is reached.
    const accept = acceptor(filter);
    const events: RecordedEvent[] = [];
    let cursor = isStart(after) ? undefined : after;
    while (events.length < limit) {
      const page = await this.readAllPage({ fromPosition: fromPosition(cursor), maxCount: PAGE_SIZE });
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

  subscribe({ after, filter, signal }: SubscribeOptions): Subscription {
    // subscribeToAll's fromPosition is exclusive: subscribing from an append's position delivers
    // only later events. EventStoreDB takes one server-side filter; `acceptor` re-checks everything.
    // The client buffers only 16 events by default: room for a whole batch lets a lagging consumer take one.
    const open = () =>
      this.client.subscribeToAll(
        { fromPosition: fromPosition(after), filter: serverFilter(filter) },
        { highWaterMark: MAX_BATCH },
      );
    return new EsdbSubscription(open, acceptor(filter), signal);
  }

  async headPosition(): Promise<Position> {
    // $all always holds system events (`$`-prefixed), so walk backwards to the newest one of ours.
    let cursor: Position | undefined;
    for (;;) {
      const from = cursor ? copy(cursor) : END;
      const page = await this.readAllPage({ direction: BACKWARDS, fromPosition: from, maxCount: PAGE_SIZE });
      for (const event of page) {
        if (cursor && comparePositions(event.position, cursor) >= 0) continue; // in case it is inclusive
        if (!isSystem(event)) return copy(event.position);
        cursor = event.position;
      }
      if (page.length < PAGE_SIZE) return START;
    }
  }

  async ping(): Promise<void> {
    await this.readAllPage({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** One bounded `$all` read, consumed in full so no gRPC stream is left half-read. */
  private async readAllPage(options: EsdbReadAllOptions): Promise<AllStreamRecordedEvent[]> {
    const events: AllStreamRecordedEvent[] = [];
    // Without resolveLinkTos every resolved event carries `event`.
    for await (const { event } of this.client.readAll(options)) if (event) events.push(event);
    return events;
  }

  private async lastPositionOf(stream: string): Promise<Position> {
    for await (const { event } of this.client.readStream(stream, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    })) {
      if (event?.position) return event.position;
    }
    throw new Error(`EventStoreDB returned no position for the append to ${stream}`);
  }
}

/**
 * A catch-up subscription over `subscribeToAll`, consumed with `for await`. Each batch is the event
 * just received plus what the client stream has buffered behind it, up to `MAX_BATCH`, so a
 * consumer that falls behind catches up in large transactions. The client stream is opened on
 * first iteration.
 */
class EsdbSubscription implements Subscription {
  caughtUp = false;
  private source?: AllStreamSubscription;
  private closed = false;
  private iterated = false;

  constructor(
    private readonly open: () => AllStreamSubscription,
    private readonly accept: (event: EsdbRecordedEvent) => boolean,
    private readonly signal?: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<readonly RecordedEvent[]> {
    if (this.iterated) throw new Error('an EventStoreDB subscription can be iterated only once');
    this.iterated = true;
    if (this.closed || this.signal?.aborted) return;
    const source = (this.source = this.open());
    const onAbort = () => void this.close();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    // The server's CaughtUp message (EventStoreDB 23.10+, emitted by db-client 6.1+ as 'caughtUp')
    // arrives in order after the catch-up events, but those may still sit in the stream's buffer:
    // count them down so `caughtUp` turns true with the last of them, not before it is delivered.
    // When the last ones are filtered out here, it turns true while the caller awaits the next batch.
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
      for await (const first of source) {
        if (this.closed) break;
        const batch: RecordedEvent[] = [];
        take(batch, first);
        // read() hands over what is already buffered without waiting; null when the buffer is empty.
        for (let next; batch.length < MAX_BATCH && (next = source.read()) !== null;) take(batch, next);
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      if (!this.closed) throw error; // errors raised while tearing down are not the caller's
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Cancels the gRPC call; the client swallows the cancellation and ends the stream.
    await this.source?.unsubscribe();
  }
}

function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
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
    metadata: event.metadata as unknown as EventMetadata,
    // db-client 6 already converts the server's .NET ticks into a Date.
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

/** The one filter EventStoreDB applies server-side: stream prefixes, else exact types, else no system events. */
function serverFilter(filter: AllFilter | undefined): Filter {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.types?.length) {
    // The server tests the regex unanchored (`Regex.Match(type).Success`), hence the anchors.
    return eventTypeFilter({ regex: `^(?:${filter.types.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
