import type { Tracer } from '@opentelemetry/api';
import {
  type AppendResult,
  EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store/event-store';
import type { Position } from '../event-store/position';
import { inSpan } from './spans';
import type { EventStoreKind } from './tracing';

/**
 * Categories whose stream id is derived from personal data: an email reservation is named by a
 * hash of the company and the address, which anyone holding a list of addresses can recompute.
 * Their spans name the category alone.
 */
const PERSONAL_STREAM_CATEGORIES = ['useremail-'];

/**
 * An event store with a span around each append and read: the stream, how many events, which
 * adapter; never an event's data or metadata. Installed only when traces are exported (see
 * `Tracing.eventStore`), like `TimedEventStore` for the metrics; subscriptions, probes and the rest
 * pass straight through.
 */
export class TracedEventStore extends EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly tracer: Tracer,
    private readonly kind: EventStoreKind,
  ) {
    super();
  }

  override prepareAppend(
    stream: string,
    events: readonly NewEvent[],
  ): readonly NewEvent[] | Promise<readonly NewEvent[]> {
    return this.store.prepareAppend(stream, events);
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const attributes = {
      ...this.about(stream),
      'airisk.event_store.event_count': events.length,
      'airisk.event_store.expected_revision': String(expected),
    };
    return inSpan(this.tracer, 'event-store append', attributes, () => this.store.append(stream, events, expected));
  }

  readStream(stream: string): Promise<RecordedEvent[]> {
    return inSpan(this.tracer, 'event-store read', this.about(stream), async (span) => {
      const events = await this.store.readStream(stream);
      span.setAttribute('airisk.event_store.event_count', events.length);
      return events;
    });
  }

  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const attributes = { 'airisk.store.kind': this.kind, 'airisk.event_store.limit': options.limit };
    return inSpan(this.tracer, 'event-store read all', attributes, async (span) => {
      const events = await this.store.readAll(options);
      span.setAttribute('airisk.event_store.event_count', events.length);
      return events;
    });
  }

  subscribe(options: SubscribeOptions): Subscription {
    return this.store.subscribe(options);
  }

  headPosition(): Promise<Position> {
    return this.store.headPosition();
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  verifyServer(): Promise<string> {
    return this.store.verifyServer();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private about(stream: string): Record<string, string> {
    const personal = PERSONAL_STREAM_CATEGORIES.find((category) => stream.startsWith(category));
    return { 'airisk.store.kind': this.kind, 'airisk.event_store.stream': personal ? `${personal}…` : stream };
  }
}
