import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { type NewEvent, type RecordedEvent, WrongExpectedRevisionError } from './event-store';
import { SqliteEventStore, SyncGate } from './sqlite-event-store';

const event = (n: number): NewEvent => ({
  type: 'Happened',
  data: { n },
  metadata: {
    actor: { kind: 'system', id: 'spec' },
    correlationId: randomUUID(),
    causationId: randomUUID(),
    at: '',
    schemaVersion: 1,
  },
});

describe('SqliteEventStore group commit', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`)));
  afterEach(() => store.close());

  it('writes appends that arrive in the same tick in one transaction', async () => {
    const before = store.committedTransactions;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.append(`s-${i}`, [event(i)], 'no_stream')),
    );
    expect(store.committedTransactions - before).toBe(1);
    const positions = results.map((r) => r.position.commit);
    expect(new Set(positions).size).toBe(100);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions); // in arrival order
  });

  it('tells its observer how many events each transaction wrote, refused appends not counted', async () => {
    const sizes: number[] = [];
    const observed = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`, {
      onGroupCommit: (events) => sizes.push(events),
    });
    try {
      await observed.append('first', [event(0)], 'no_stream');
      await Promise.allSettled([
        observed.append('first', [event(1), event(2)], 0),
        observed.append('first', [event(3)], 0), // refused: the one above moved the stream on
        observed.append('second', [event(4)], 'no_stream'),
      ]);
      expect(sizes).toEqual([1, 3]);
    } finally {
      await observed.close();
    }
  });

  it('still checks each append of a batch against its own expected revision', async () => {
    await store.append('shared', [event(0)], 'no_stream');
    const outcomes = await Promise.allSettled([
      store.append('shared', [event(1)], 0),
      store.append('other', [event(2)], 'no_stream'),
      store.append('shared', [event(3)], 0),
      store.append('shared', [event(4), event(5)], 1),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect((await store.readStream('shared')).map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 4, 5]);
  });

  it('rolls back only the refused append of a batch, even when it fails half-way', async () => {
    const duplicateId = randomUUID();
    await store.append('first', [{ ...event(0), id: duplicateId }], 'no_stream');
    const outcomes = await Promise.allSettled([
      store.append('second', [event(1), { ...event(2), id: duplicateId }], 'no_stream'),
      store.append('third', [event(3)], 'no_stream'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect(await store.readStream('second')).toEqual([]);
    expect(await store.readStream('third')).toHaveLength(1);
  });
});

describe('SqliteEventStore live subscriptions', () => {
  let directory: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    directory = temporaryDirectory();
    store = new SqliteEventStore(`${directory}/events.sqlite`);
  });
  afterEach(() => store.close());

  /** Collects `count` events from a fresh unfiltered subscription while `write` runs. */
  async function follow(count: number, write: () => Promise<void>) {
    const subscription = store.subscribe({ after: await store.headPosition() });
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const batch of subscription) {
        received.push(...batch);
        if (received.length >= count) break;
      }
    })();
    await write();
    await reading;
    await subscription.close();
    return received;
  }

  it('hands subscribers exactly what a read of the file returns, refused appends left out', async () => {
    const received = await follow(4, async () => {
      await store.append('a', [event(1), event(2)], 'no_stream');
      await store.append('a', [event(9)], 5).catch(() => undefined); // refused: wrong revision
      await Promise.all([store.append('b', [event(3)], 'no_stream'), store.append('c', [event(4)], 'no_stream')]);
    });
    expect(received).toEqual(await store.readAll({ limit: 100 }));
  });

  it('hands an event to subscribers only once its append is answered (durable)', async () => {
    const subscription = store.subscribe({ after: await store.headPosition() });
    let answered = false;
    const appending = store.append('durable', [event(1)], 'no_stream').then(() => (answered = true));
    for await (const batch of subscription) {
      expect(batch.map((e) => e.stream)).toEqual(['durable']);
      expect(answered).toBe(true);
      break;
    }
    await appending;
    await subscription.close();
  });

  it('misses nothing another process appended between two of its own appends', async () => {
    const other = new SqliteEventStore(`${directory}/events.sqlite`);
    try {
      const received = await follow(4, async () => {
        await store.append('mine', [event(1)], 'no_stream');
        await other.append('theirs', [event(2), event(3)], 'no_stream');
        await store.append('mine', [event(4)], 0);
      });
      expect(received.map((e) => (e as { data: { n: number } }).data.n)).toEqual([1, 2, 3, 4]);
      expect(received).toEqual(await store.readAll({ limit: 100 }));
    } finally {
      await other.close();
    }
  });

  it('hands its subscribers another process’s appends within 100 ms, each time', async () => {
    const other = new SqliteEventStore(`${directory}/events.sqlite`);
    const subscription = store.subscribe({ after: await store.headPosition() });
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      for (let n = 0; n < 5; n++) {
        await new Promise((resolve) => setTimeout(resolve, 120)); // the subscriber is idle, waiting
        const appended = Date.now();
        await other.append(`theirs-${n}`, [event(n)], 'no_stream');
        const { value } = await iterator.next();
        expect(value!.map((e: RecordedEvent) => e.stream)).toEqual([`theirs-${n}`]);
        expect(Date.now() - appended).toBeLessThan(100);
      }
    } finally {
      await subscription.close();
      await other.close();
    }
  });
});

describe('SqliteEventStore and the sync of its log', () => {
  it('keeps a commit out of the global order until its sync completes; its stream already shows it', async () => {
    const gate = new SyncGate();
    const store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`, { syncGate: gate });
    const durable = await store.append('before', [event(1)], 'no_stream');
    gate.hold();
    let answered = false;
    const appending = store.append('pending', [event(2)], 'no_stream').then(() => (answered = true));
    while (!gate.waiting) await new Promise((resolve) => setTimeout(resolve, 1)); // committed, its sync held
    expect(answered).toBe(false);
    expect((await store.readAll({ limit: 10 })).map((e) => e.stream)).toEqual(['before']);
    expect(await store.headPosition()).toEqual(durable.position);
    expect(await store.readStream('pending')).toHaveLength(1); // a command deciding on it appends after it
    gate.release();
    await appending;
    expect((await store.readAll({ limit: 10 })).map((e) => e.stream)).toEqual(['before', 'pending']);
    await store.close();
  });

  it('never shows less than it showed before while a batch waits for its sync, another process’s events included', async () => {
    const directory = temporaryDirectory();
    const gate = new SyncGate();
    const store = new SqliteEventStore(`${directory}/events.sqlite`, { syncGate: gate });
    const other = new SqliteEventStore(`${directory}/events.sqlite`);
    try {
      await store.append('mine', [event(1)], 'no_stream');
      const theirs = await other.append('theirs', [event(2), event(3)], 'no_stream');
      expect(await store.headPosition()).toEqual(theirs.position);
      gate.hold();
      const appending = store.append('mine', [event(4)], 0);
      while (!gate.waiting) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(await store.headPosition()).toEqual(theirs.position);
      expect((await store.readAll({ limit: 10 })).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      gate.release();
      const mine = await appending;
      expect(await store.headPosition()).toEqual(mine.position);
    } finally {
      gate.release();
      await other.close();
      await store.close();
    }
  });

  it('closes only once every append it took is durable and answered', async () => {
    const gate = new SyncGate();
    const store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`, { syncGate: gate });
    await store.append('before', [event(1)], 'no_stream');
    gate.hold();
    const steps: string[] = [];
    const appending = store.append('during', [event(2)], 'no_stream').then(() => steps.push('answered'));
    while (!gate.waiting) await new Promise((resolve) => setTimeout(resolve, 1));
    const closing = store.close().then(() => steps.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(steps).toEqual([]);
    gate.release();
    await Promise.all([appending, closing]);
    expect(steps).toEqual(['answered', 'closed']);
    await expect(store.append('after', [event(3)], 'no_stream')).rejects.toThrow(/closed/);
  });

  it('refuses the append, every later append, read and ping, and stops its subscribers: nothing unsynced is served', async () => {
    const gate = new SyncGate();
    const store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`, { syncGate: gate });
    await store.append('before', [event(1)], 'no_stream');
    const subscription = store.subscribe({ after: await store.headPosition() });
    const following = (async () => {
      for await (const batch of subscription) expect(batch).toEqual([]); // never reached: nothing durable follows
    })();
    gate.fail();
    const unsynced = /could not be synced to disk: EIO/;
    await expect(store.append('after', [event(2)], 'no_stream')).rejects.toThrow(unsynced);
    await expect(following).rejects.toThrow(unsynced);
    await expect(store.append('later', [event(3)], 'no_stream')).rejects.toThrow(unsynced);
    await expect(store.readStream('after')).rejects.toThrow(unsynced);
    await expect(store.readAll({ limit: 10 })).rejects.toThrow(unsynced);
    await expect(store.headPosition()).rejects.toThrow(unsynced);
    await expect(store.ping()).rejects.toThrow(unsynced);
    await store.close();
  });
});
