import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import type { EventStore, NewEvent, RecordedEvent, SubscribeOptions } from '../event-store/event-store';
import { formatPosition } from '../event-store/position';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import type { LiveView } from './live-view';
import { LiveViewRunner } from './live-view-runner';

const event = (type: string, n: number): NewEvent => ({
  type,
  data: { n },
  metadata: {
    actor: { kind: 'system', id: 'spec' },
    correlationId: randomUUID(),
    causationId: randomUUID(),
    at: new Date().toISOString(),
    schemaVersion: 1,
  },
});

/** Remembers what it applied; throws on the event numbered `failOn`. */
function recordingView(failOn?: number): LiveView & { seen: number[] } {
  const seen: number[] = [];
  return {
    name: 'recording',
    handles: ['Watched'],
    seen,
    apply(recorded: RecordedEvent) {
      const { n } = recorded.data as { n: number };
      if (n === failOn) throw new Error(`cannot take ${n}`);
      seen.push(n);
    },
  };
}

describe('LiveViewRunner', () => {
  let store: SqliteEventStore;
  const runners: LiveViewRunner[] = [];
  const start = (events: EventStore, view: LiveView) => {
    const runner = new LiveViewRunner(events, [view]);
    runners.push(runner);
    runner.start();
    return runner;
  };
  beforeEach(() => (store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`)));
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await store.close();
  });

  it('catches up on the handled types only, goes live at the head, then follows every write', async () => {
    await store.append('s-1', [event('Watched', 1), event('Ignored', 2), event('Watched', 3)], 'no_stream');
    await store.append('s-2', [event('Ignored', 4)], 'no_stream');
    const subscriptions: SubscribeOptions[] = [];
    const spying = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'subscribe') return Reflect.get(target, property, receiver);
        return (options: SubscribeOptions) => (subscriptions.push(options), target.subscribe(options));
      },
    });
    const view = recordingView();
    const runner = start(spying, view);
    await runner.whenCaughtUp();
    expect(runner.isLive()).toBe(true);
    expect(view.seen).toEqual([1, 3]);
    // The unfiltered subscription starts at the head: the catch-up never went through the token traffic one by one.
    expect(subscriptions.map((options) => formatPosition(options.after!))).toEqual([
      formatPosition(await store.headPosition()),
    ]);

    const ignored = await store.append('s-3', [event('Ignored', 5)], 'no_stream');
    expect(await runner.waitForPosition(ignored.position, 5000)).toBe(true);
    const watched = await store.append('s-3', [event('Watched', 6)], 0);
    expect(await runner.waitForPosition(watched.position, 5000)).toBe(true);
    expect(view.seen).toEqual([1, 3, 6]);
  });

  it('stops for good, failing closed, when a view throws while catching up', async () => {
    await store.append('s-1', [event('Watched', 1), event('Watched', 2), event('Watched', 3)], 'no_stream');
    const view = recordingView(2);
    const runner = start(store, view);
    await runner.whenCaughtUp();
    expect(runner.isLive()).toBe(false);
    expect(runner.status()).toMatchObject({ state: 'stopped', error: 'cannot take 2' });
    expect(view.seen).toEqual([1]);
    const later = await store.append('s-2', [event('Watched', 4)], 'no_stream');
    expect(await runner.waitForPosition(later.position, 200)).toBe(false);
  });
});
