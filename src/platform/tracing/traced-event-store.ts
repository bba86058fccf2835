import type { Tracer } from '@opentelemetry/api';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
} from '../event-store/event-store';
import { ForwardingEventStore } from '../event-store/forwarding-event-store';
import { streamForSpan } from './personal-streams';
import { inSpan } from './spans';
import type { EventStoreKind } from './tracing';

/**
 * An event store with a span around each append and read: the stream, how many events, which
 * adapter; never an event's data or metadata. Installed only when traces are exported (see
 * `Tracing.eventStore`), like `TimedEventStore` for the metrics; subscriptions, probes and the rest
 * pass straight through.
 */
export class TracedEventStore extends ForwardingEventStore {
  constructor(
    store: EventStore,
    private readonly tracer: Tracer,
    private readonly kind: EventStoreKind,
  ) {
    super(store);
  }

  override append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const attributes = {
      ...this.about(stream),
      'airisk.event_store.event_count': events.length,
      'airisk.event_store.expected_revision': String(expected),
    };
    return inSpan(this.tracer, 'event-store append', attributes, () => this.inner.append(stream, events, expected));
  }

  override readStream(stream: string): Promise<RecordedEvent[]> {
    return inSpan(this.tracer, 'event-store read', this.about(stream), async (span) => {
      const events = await this.inner.readStream(stream);
      span.setAttribute('airisk.event_store.event_count', events.length);
      return events;
    });
  }

  override readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const attributes = { 'airisk.store.kind': this.kind, 'airisk.event_store.limit': options.limit };
    return inSpan(this.tracer, 'event-store read all', attributes, async (span) => {
      const events = await this.inner.readAll(options);
      span.setAttribute('airisk.event_store.event_count', events.length);
      return events;
    });
  }

  private about(stream: string): Record<string, string> {
    return { 'airisk.store.kind': this.kind, 'airisk.event_store.stream': streamForSpan(stream) };
  }
}
