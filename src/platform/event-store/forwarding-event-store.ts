import {
  type AppendResult,
  EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './event-store';
import type { Position } from './position';

/**
 * An event store that hands every call to the store it wraps: the base of the wrappers that add one
 * thing each (timing, tracing, sealing personal data), so each overrides only what it adds, and a
 * member added to the port reaches the adapter through every wrapper without being forgotten in one.
 */
export class ForwardingEventStore extends EventStore {
  constructor(protected readonly inner: EventStore) {
    super();
  }

  override prepareAppend(
    stream: string,
    events: readonly NewEvent[],
  ): readonly NewEvent[] | Promise<readonly NewEvent[]> {
    return this.inner.prepareAppend(stream, events);
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(stream, events, expected);
  }

  readStream(stream: string): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream);
  }

  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return this.inner.subscribe(options);
  }

  headPosition(): Promise<Position> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  verifyServer(): Promise<string> {
    return this.inner.verifyServer();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
