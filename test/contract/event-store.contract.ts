import { randomUUID } from 'node:crypto';
import {
  EventStore,
  NewEvent,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/platform/event-store/event-store';
import { comparePositions, isAtOrAfter, START } from '../../src/platform/event-store/position';

/** One suite, every adapter: the behaviour the rest of the service relies on. */
export function eventStoreContract(open: () => Promise<EventStore>): void {
  let store: EventStore;
  // Live servers keep data between runs: every test works on streams of its own.
  let prefix: string;
  const stream = (name: string) => `${prefix}${name}-${randomUUID().slice(0, 8)}`;

  beforeEach(async () => {
    store = await open();
    prefix = `t${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  });
  afterEach(async () => store.close());

  const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({
    type,
    data,
    metadata: {
      actor: { kind: 'system', id: 'contract-test' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      at: new Date().toISOString(),
      schemaVersion: 1,
    },
  });

  describe('append and read a stream', () => {
    it('creates a stream with no_stream and reads it back in order', async () => {
      const name = stream('thing');
      const result = await store.append(
        name,
        [event('ThingCreated', { n: 1 }), event('ThingChanged', { n: 2 })],
        'no_stream',
      );
      expect(result.nextRevision).toBe(1);
      const events = await store.readStream(name);
      expect(events.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['ThingCreated', 0, { n: 1 }],
        ['ThingChanged', 1, { n: 2 }],
      ]);
      expect(comparePositions(events[1].position, result.position)).toBe(0);
      expect(events[0].metadata.actor).toEqual({ kind: 'system', id: 'contract-test' });
      expect(Number.isNaN(Date.parse(events[0].recordedAt))).toBe(false);
    });

    it('reads a stream that does not exist as empty', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('appends at the exact revision read', async () => {
      const name = stream('thing');
      const first = await store.append(name, [event('A')], 'no_stream');
      const second = await store.append(name, [event('B')], first.nextRevision);
      expect(second.nextRevision).toBe(1);
      expect(comparePositions(second.position, first.position)).toBe(1);
    });

    it('refuses an empty append', async () => {
      await expect(store.append(stream('thing'), [], 'any')).rejects.toThrow(RangeError);
    });
  });

  describe('optimistic concurrency', () => {
    it('refuses no_stream on an existing stream with a typed error and appends nothing', async () => {
      const name = stream('thing');
      await store.append(name, [event('A')], 'no_stream');
      const refusal = store.append(name, [event('B')], 'no_stream');
      await expect(refusal).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(refusal).rejects.toMatchObject({ stream: name, expected: 'no_stream', actual: 0 });
      expect(await store.readStream(name)).toHaveLength(1);
    });

    it('refuses a stale revision', async () => {
      const name = stream('thing');
      await store.append(name, [event('A'), event('B')], 'no_stream');
      await expect(store.append(name, [event('C')], 0)).rejects.toMatchObject({ expected: 0, actual: 1 });
      await expect(store.append(stream('absent'), [event('C')], 0)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(name)).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('lets exactly one of two concurrent appends at the same revision win', async () => {
      const name = stream('thing');
      const { nextRevision } = await store.append(name, [event('A')], 'no_stream');
      const outcomes = await Promise.allSettled([
        store.append(name, [event('FromFirst')], nextRevision),
        store.append(name, [event('FromSecond')], nextRevision),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(name)).toHaveLength(2);
    });

    it('lets exactly one of many concurrent creations of one stream win', async () => {
      const name = stream('thing');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.append(name, [event('Created', { i })], 'no_stream')),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await store.readStream(name)).toHaveLength(1);
    });

    it('accepts any revision with any', async () => {
      const name = stream('thing');
      await store.append(name, [event('A')], 'any');
      await store.append(name, [event('B')], 'any');
      expect(await store.readStream(name)).toHaveLength(2);
    });
  });

  describe('the global order', () => {
    it('orders events of all streams by position, reads after a position, filters and limits', async () => {
      const streams = [stream('alpha'), stream('beta')];
      const before = await store.headPosition();
      for (let i = 0; i < 6; i++) {
        await store.append(streams[i % 2], [event(i % 3 === 0 ? 'Third' : 'Other', { i })], 'any');
      }
      const mine = (events: RecordedEvent[]) => events.filter((e) => e.stream.startsWith(prefix));
      const all = mine(await store.readAll({ after: before, limit: 1000 }));
      expect(all.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5]);
      for (let i = 1; i < all.length; i++) expect(comparePositions(all[i].position, all[i - 1].position)).toBe(1);

      const afterSecond = await store.readAll({
        after: all[1].position,
        filter: { streamPrefixes: [prefix] },
        limit: 2,
      });
      expect(afterSecond.map((e) => (e.data as { i: number }).i)).toEqual([2, 3]);

      const byType = await store.readAll({
        after: before,
        filter: { types: ['Third'], streamPrefixes: [prefix] },
        limit: 10,
      });
      expect(byType.map((e) => (e.data as { i: number }).i)).toEqual([0, 3]);

      const byStream = await store.readAll({ after: before, filter: { streamPrefixes: [streams[1]] }, limit: 10 });
      expect(byStream.map((e) => (e.data as { i: number }).i)).toEqual([1, 3, 5]);

      const head = await store.headPosition();
      expect(isAtOrAfter(head, all[5].position)).toBe(true);
    });

    it('reports START as nothing read yet', async () => {
      const everything = await store.readAll({ after: START, limit: 1 });
      expect(everything.length).toBeLessThanOrEqual(1);
    });
  });

  describe('subscriptions', () => {
    it('delivers existing events, then live ones, in order, in non-empty batches, and stops when closed', async () => {
      const name = stream('sub');
      const from = await store.headPosition();
      await store.append(name, [event('Before', { n: 0 }), event('Before', { n: 1 })], 'no_stream');
      const subscription = store.subscribe({ after: from, filter: { streamPrefixes: [prefix] } });
      const received: number[] = [];
      for await (const batch of subscription) {
        expect(batch.length).toBeGreaterThan(0);
        received.push(...batch.map((e) => (e.data as { n: number }).n));
        if (received.length === 2) await store.append(name, [event('Live', { n: 2 })], 1);
        if (received.length >= 3) break;
      }
      await subscription.close();
      expect(received).toEqual([0, 1, 2]);
    });

    it('hands over a backlog in batches that hold many events, in position order', async () => {
      const from = await store.headPosition();
      const name = stream('backlog');
      await store.append(
        name,
        Array.from({ length: 1200 }, (_, n) => event('Backlog', { n })),
        'no_stream',
      );
      const subscription = store.subscribe({ after: from, filter: { streamPrefixes: [prefix] } });
      const sizes: number[] = [];
      const received: number[] = [];
      for await (const batch of subscription) {
        sizes.push(batch.length);
        received.push(...batch.map((e) => (e.data as { n: number }).n));
        if (received.length >= 1200) break;
      }
      await subscription.close();
      expect(received).toEqual(Array.from({ length: 1200 }, (_, n) => n));
      expect(sizes.length).toBeLessThan(1200);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    });

    it('ends iteration when its signal aborts', async () => {
      const abort = new AbortController();
      const subscription = store.subscribe({ after: await store.headPosition(), signal: abort.signal });
      const done = (async () => {
        let count = 0;
        for await (const batch of subscription) count += batch.length;
        return count;
      })();
      setTimeout(() => abort.abort(), 50);
      await expect(done).resolves.toBe(0);
    });

    it('turns caughtUp once the existing events are delivered', async () => {
      const name = stream('caught');
      const from = await store.headPosition();
      await store.append(name, [event('A')], 'no_stream');
      const subscription = store.subscribe({ after: from, filter: { streamPrefixes: [prefix] } });
      expect(subscription.caughtUp).toBe(false);
      const iterator = subscription[Symbol.asyncIterator]();
      await iterator.next();
      const deadline = Date.now() + 5000;
      const pending = iterator.next();
      while (!subscription.caughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(subscription.caughtUp).toBe(true);
      await subscription.close();
      await pending;
    });
  });
}
