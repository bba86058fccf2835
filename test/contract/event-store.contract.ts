import { randomUUID } from 'node:crypto';
import {
  type AllFilter,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
  WrongExpectedRevisionError,
} from '../../src/platform/event-store/event-store';
import {
  comparePositions,
  formatPosition,
  isAtOrAfter,
  parsePosition,
  type Position,
  START,
} from '../../src/platform/event-store/position';
import { eventsOf } from '../../src/platform/event-store/read-pages';

/** What an adapter's spec can offer beyond the port, for the cases that need it. */
export interface EventStoreCapabilities {
  /**
   * Cuts the store's connection to its server as a network failure would (not `close()`): the
   * store stays open. An embedded store has no connection, so its spec passes none.
   */
  readonly dropConnection?: (store: EventStore) => Promise<void>;
}

/** One suite, every adapter: the behaviour the rest of the service relies on. */
export function eventStoreContract(open: () => Promise<EventStore>, capabilities: EventStoreCapabilities = {}): void {
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
  /** `count` events of one type, numbered from `from`: for appending many events in one go. */
  const many = (count: number, type: string, from = 0): NewEvent[] =>
    Array.from({ length: count }, (_, i) => event(type, { n: from + i }));
  /** Only this test's events, from reads that may also see other tests' events on a live server. */
  const mine = (events: readonly RecordedEvent[]) => events.filter((e) => e.stream.startsWith(prefix));

  /** readAll, `limit` at a time, each page resumed from the text form of its last position, until a short page (as `pagesOf`). */
  async function readAllInPages(after: Position, filter: AllFilter, limit: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ after, filter, limit });
      // Checked here, or a read that repeats its cursor's event would page forever.
      if (page.length > 0 && comparePositions(page[0].position, after) <= 0)
        throw new Error(`readAll after ${formatPosition(after)} returned ${formatPosition(page[0].position)}`);
      events.push(...page);
      if (page.length < limit) return events;
      after = throughText(page[page.length - 1].position);
    }
  }

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
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
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

  describe('positions of a multi-event append', () => {
    /** One event, then three in one append, then one: `n` 0 to 4 in one stream. */
    async function appendAroundAMultiEventAppend() {
      const name = stream('multi');
      const before = await store.headPosition();
      const first = await store.append(name, [event('Single', { n: 0 })], 'no_stream');
      const multi = await store.append(
        name,
        [1, 2, 3].map((n) => event('Multi', { n })),
        first.nextRevision,
      );
      const last = await store.append(name, [event('Single', { n: 4 })], multi.nextRevision);
      return { name, before, results: [first, multi, last] };
    }

    it('are the same, strictly increasing, in readStream, readAll and subscribe, and the append answers its last', async () => {
      const { name, before, results } = await appendAroundAMultiEventAppend();
      const filter = { streamPrefixes: [name] };
      const reads = {
        readStream: await store.readStream(name),
        readAll: await store.readAll({ after: before, filter, limit: 100 }),
        subscribe: await untilCaughtUp(store.subscribe({ after: before, filter })),
      };
      const expected = reads.readStream.map((e) => formatPosition(e.position));
      for (const events of Object.values(reads)) {
        expect(numbers(events)).toEqual([0, 1, 2, 3, 4]);
        expect(events.map((e) => formatPosition(e.position))).toEqual(expected);
      }
      const positions = reads.readStream.map((e) => e.position);
      for (let i = 1; i < positions.length; i++) expect(comparePositions(positions[i], positions[i - 1])).toBe(1);
      // What read-your-writes waits for: the position of each append's last event, no earlier, no later.
      expect(results.map((result) => formatPosition(result.position))).toEqual([expected[0], expected[3], expected[4]]);
    });

    it('resumes readAll and subscriptions exactly after any of them, the first of the append included', async () => {
      const { name, before } = await appendAroundAMultiEventAppend();
      const filter = { streamPrefixes: [name] };
      const recorded = await store.readAll({ after: before, filter, limit: 100 });
      for (const [index, from] of recorded.entries()) {
        const after = throughText(from.position); // as a checkpoint or a page cursor holds it
        const later = [0, 1, 2, 3, 4].slice(index + 1);
        expect({
          from: index,
          readAll: numbers(await store.readAll({ after, filter, limit: 100 })),
          readAllOneByOne: numbers(await readAllInPages(after, filter, 1)),
          subscribe: numbers(await untilCaughtUp(store.subscribe({ after, filter }))),
          subscribeUnfiltered: numbers(mine(await untilCaughtUp(store.subscribe({ after })))),
        }).toEqual({
          from: index,
          readAll: later,
          readAllOneByOne: later,
          subscribe: later,
          subscribeUnfiltered: later,
        });
      }
    });
  });

  describe('filters with more than a page of events that do not match in between', () => {
    /**
     * Appends this layout, one append per line, and answers which events (by `n`) a filter selects:
     *   wanted    Hit
     *   unwanted  Miss ×600
     *   wanted    Hit, Miss, Hit
     *   unwanted  Hit ×1100       (more matches by type than one page of `pagesOf`)
     *   wanted    Miss ×600
     *   wanted    Hit
     *   unwanted  Miss ×600       (the store ends with events no filter below selects)
     * Types are this test's own, so a type filter is safe on a shared server too.
     */
    async function appendFilterLayout() {
      const wanted = `${prefix}wanted`;
      const [wantedStream, unwantedStream] = [stream('wanted'), stream('unwanted')];
      const [hit, miss] = [`${prefix}Hit`, `${prefix}Miss`];
      const before = await store.headPosition();
      const layout: Array<[string, string[]]> = [
        [wantedStream, [hit]],
        [unwantedStream, Array(600).fill(miss)],
        [wantedStream, [hit, miss, hit]],
        [unwantedStream, Array(1100).fill(hit)],
        [wantedStream, Array(600).fill(miss)],
        [wantedStream, [hit]],
        [unwantedStream, Array(600).fill(miss)],
      ];
      const appended: Array<{ stream: string; type: string; n: number }> = [];
      for (const [name, types] of layout) {
        const events = types.map((type) => {
          appended.push({ stream: name, type, n: appended.length });
          return event(type, { n: appended.length - 1 });
        });
        await store.append(name, events, 'any');
      }
      const select = ({ streamPrefixes = [], types = [] }: AllFilter) =>
        appended
          .filter((e) => streamPrefixes.length === 0 || streamPrefixes.some((p) => e.stream.startsWith(p)))
          .filter((e) => types.length === 0 || types.includes(e.type))
          .map((e) => e.n);
      return { before, wanted, hit, miss, select };
    }

    it('reads by type, whatever the limit, and through pagesOf', async () => {
      const { before, hit, select } = await appendFilterLayout();
      const filter = { types: [hit, `${prefix}NeverAppended`] };
      expect(select(filter)).toHaveLength(1104);
      expect(numbers(await store.readAll({ after: before, filter, limit: 2 }))).toEqual(select(filter).slice(0, 2));
      expect(numbers(await readAllInPages(before, filter, 100))).toEqual(select(filter));
      expect(numbers(await all(eventsOf(store, { after: before, filter })))).toEqual(select(filter));
    });

    it('reads by stream prefix, and by prefix and type together', async () => {
      const { before, wanted, hit, select } = await appendFilterLayout();
      const byPrefix = { streamPrefixes: [wanted] };
      expect(numbers(await readAllInPages(before, byPrefix, 7))).toEqual(select(byPrefix));
      expect(numbers(await all(eventsOf(store, { after: before, filter: byPrefix })))).toEqual(select(byPrefix));

      const both = { streamPrefixes: [`${prefix}nothing`, wanted], types: [hit] };
      expect(select(both)).toEqual([0, 601, 603, 2304]);
      for (const limit of [1, 3]) expect(numbers(await readAllInPages(before, both, limit))).toEqual(select(both));
      const lastHit = (await store.readAll({ after: before, filter: both, limit: 4 }))[3];
      expect(await store.readAll({ after: lastHit.position, filter: both, limit: 10 })).toEqual([]);
    });

    it('subscribes by type, and by prefix and type, and catches up though the last events do not match', async () => {
      const { before, wanted, hit, select } = await appendFilterLayout();
      for (const filter of [{ types: [hit] }, { streamPrefixes: [wanted], types: [hit] }]) {
        expect(numbers(await untilCaughtUp(store.subscribe({ after: before, filter })))).toEqual(select(filter));
      }
    });
  });

  describe('caughtUp', () => {
    it('turns true with nothing to hand over, and the subscription still delivers what comes next', async () => {
      const name = stream('quiet');
      const subscription = store.subscribe({ after: await store.headPosition(), filter: { streamPrefixes: [name] } });
      const iterator = subscription[Symbol.asyncIterator]();
      const next = iterator.next();
      await waitUntil(() => subscription.caughtUp, 'caughtUp with nothing to hand over');
      await store.append(name, [event('Late', { n: 0 })], 'no_stream');
      const step = await next;
      expect(step.done).toBe(false);
      expect(numbers(step.value as RecordedEvent[])).toEqual([0]);
      await subscription.close();
    });

    it('turns true when the last events of the store are filtered out', async () => {
      const name = stream('tail');
      const before = await store.headPosition();
      await store.append(name, [event(`${prefix}Wanted`, { n: 0 }), ...many(600, `${prefix}Unwanted`, 1)], 'no_stream');
      const subscription = store.subscribe({
        after: before,
        filter: { streamPrefixes: [name], types: [`${prefix}Wanted`] },
      });
      expect(numbers(await untilCaughtUp(subscription))).toEqual([0]);
    });

    it('turns true after a backlog of more than one batch, and not before its last event is handed over', async () => {
      const name = stream('backlog');
      const before = await store.headPosition();
      for (let from = 0; from < 1200; from += 600) await store.append(name, many(600, 'Backlog', from), 'any');
      const subscription = store.subscribe({ after: before, filter: { streamPrefixes: [name] } });
      // untilCaughtUp stops at the first sign of caughtUp: an early one would cut the list short.
      expect(numbers(await untilCaughtUp(subscription))).toEqual(Array.from({ length: 1200 }, (_, n) => n));
    });
  });

  describe('event ids', () => {
    it('refuses an id that is not a UUID, and appends nothing of that append', async () => {
      const name = stream('ids');
      const uuid = randomUUID();
      for (const id of ['not-a-uuid', '', '42', uuid.replace(/-/g, ''), `{${uuid}}`, `${uuid}0`, ` ${uuid}`]) {
        const outcome = await store.append(name, [event('Valid'), { ...event('Invalid'), id }], 'any').catch((e) => e);
        const refused = outcome instanceof RangeError || outcome instanceof TypeError;
        expect({ id, refused }).toEqual({ id, refused: true });
      }
      expect(await store.readStream(name)).toEqual([]);
    });

    it('keeps the id given, and reads it back in lowercase', async () => {
      const name = stream('ids');
      const id = randomUUID();
      await store.append(name, [{ ...event('Given'), id: id.toUpperCase() }, event('Generated')], 'no_stream');
      const [given, generated] = await store.readStream(name);
      expect(given.id).toBe(id);
      expect(generated.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(generated.id).not.toBe(id);
    });

    it('never stores an id twice in a stream: a retried append is ignored or refused', async () => {
      const name = stream('retry');
      const sent = [
        { ...event('Created'), id: randomUUID() },
        { ...event('Changed'), id: randomUUID() },
      ];
      await store.append(name, sent, 'no_stream');
      const retry = (events: NewEvent[], expected: ExpectedRevision) =>
        store.append(name, events, expected).catch(() => 'refused');
      await retry(sent, 'no_stream'); // the same append again, as after a lost answer
      await retry(sent, 'any');
      await retry([sent[0]], 'any');
      await retry([{ ...sent[1], id: sent[1].id.toUpperCase() }], 'any');
      expect((await store.readStream(name)).map((e) => e.id)).toEqual(sent.map((e) => e.id));
    });

    it('refuses an id given twice in one append', async () => {
      const name = stream('twice');
      const id = randomUUID();
      const twice = [event('A'), event('B')].map((e) => ({ ...e, id }));
      await expect(store.append(name, twice, 'no_stream')).rejects.toThrow(RangeError);
      expect(await store.readStream(name)).toEqual([]);
    });
  });

  describe('connection failures', () => {
    itWith(
      capabilities.dropConnection,
      'this adapter spec passes no dropConnection capability (an embedded store has no connection to drop)',
      'a dropped connection fails the subscription instead of ending it',
      async (dropConnection) => {
        const name = stream('drop');
        const before = await store.headPosition();
        await store.append(name, [event('BeforeTheDrop', { n: 0 })], 'no_stream');
        const subscription = store.subscribe({ after: before, filter: { streamPrefixes: [name] } });
        const received: number[] = [];
        const following = (async () => {
          for await (const batch of subscription) received.push(...numbers(batch));
        })();
        following.catch(() => undefined); // observed below, once the connection is dropped
        await waitUntil(() => received.length > 0, 'the event appended before the drop');
        await dropConnection(store);
        const outcome = await within(
          15_000,
          following.then(
            () => 'ended without an error',
            (error: unknown) => error,
          ),
          'still waiting 15 s after the drop',
        );
        await subscription.close();
        expect(received).toEqual([0]);
        expect(outcome).toBeInstanceOf(Error);
      },
      20_000,
    );
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const numbers = (events: readonly RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);

/** A position as it comes back from the text a checkpoint or cursor stores. */
const throughText = (position: Position) => parsePosition(formatPosition(position));

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

/** What `work` settles with, or `late` when it has not within `ms`. */
async function within<T, L>(ms: number, work: Promise<T>, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * The events a subscription hands over until it reports `caughtUp`, then closed. The flag is read
 * as a `for await` consumer can see it: as each batch arrives, and while waiting for the next one.
 * Stopping at the first sign of it means a `caughtUp` that turns true before the last existing
 * event is handed over returns too few events, and one that never turns true fails.
 */
async function untilCaughtUp(subscription: Subscription, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const received: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  let next = iterator.next();
  try {
    for (;;) {
      const step = await Promise.race([next, sleep(10).then(() => undefined)]);
      if (step?.done) throw new Error(`the subscription ended after ${received.length} events, never caught up`);
      if (step) received.push(...step.value);
      if (subscription.caughtUp) return received;
      if (Date.now() > deadline) throw new Error(`not caught up ${timeoutMs} ms after ${received.length} events`);
      if (step) next = iterator.next();
    }
  } finally {
    await subscription.close();
    await next;
  }
}

/** A case that needs a capability: run with it, or skipped with the reason printed (never silently). */
function itWith<C>(
  capability: C | undefined,
  reason: string,
  title: string,
  body: (capability: C) => Promise<void>,
  timeout?: number,
): void {
  if (capability !== undefined) {
    it(title, () => body(capability), timeout);
    return;
  }
  process.stdout.write(`\n[skipped] EventStore contract, "${title}": ${reason}.\n`);
  it.skip(`${title} (skipped: ${reason})`, () => undefined);
}
