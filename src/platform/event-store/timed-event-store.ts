import { performance } from 'node:perf_hooks';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from './event-store';
import { ForwardingEventStore } from './forwarding-event-store';

/**
 * An event store that reports how long each append took (to its durable answer, or its refusal) and
 * otherwise is the store it wraps: whichever adapter, the same measurement, at the cost of two clock
 * reads per append. Everything else is passed straight through.
 */
export class TimedEventStore extends ForwardingEventStore {
  constructor(
    store: EventStore,
    private readonly onAppend: (seconds: number) => void,
  ) {
    super(store);
  }

  override async append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const started = performance.now();
    try {
      return await this.inner.append(stream, events, expected);
    } finally {
      this.onAppend((performance.now() - started) / 1000);
    }
  }
}
