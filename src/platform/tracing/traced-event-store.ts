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
import { inSpan } from './spans';
import type { EventStoreKind } from './tracing';

/**
 * Categories whose stream id is derived from personal data: an email reservation is named by an
 * HMAC of the company and the address (or, if recorded before the HMAC, a plain hash of them), a
 * stable pseudonym of the address that a trace backend has no need for. Their spans name the
 * category alone.
 */
const PERSONAL_STREAM_CATEGORIES = ['useremail-'];

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
    const personal = PERSONAL_STREAM_CATEGORIES.find((category) => stream.startsWith(category));
    return { 'airisk.store.kind': this.kind, 'airisk.event_store.stream': personal ? `${personal}…` : stream };
  }
}
