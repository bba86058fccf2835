import { performance } from 'node:perf_hooks';
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
 * An event store that reports how long each append took (to its durable answer, or its refusal) and
 * otherwise is the store it wraps: whichever adapter, the same measurement, at the cost of two clock
 * reads per append. Everything else is passed straight through.
 */
export class TimedEventStore extends EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly onAppend: (seconds: number) => void,
  ) {
    super();
  }

  override prepareAppend(
    stream: string,
    events: readonly NewEvent[],
  ): readonly NewEvent[] | Promise<readonly NewEvent[]> {
    return this.store.prepareAppend(stream, events);
  }

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const started = performance.now();
    try {
      return await this.store.append(stream, events, expected);
    } finally {
      this.onAppend((performance.now() - started) / 1000);
    }
  }

  readStream(stream: string): Promise<RecordedEvent[]> {
    return this.store.readStream(stream);
  }

  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
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
}
