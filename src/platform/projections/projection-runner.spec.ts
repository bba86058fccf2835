import { randomUUID } from 'node:crypto';
import { companiesProjection, COMPANIES } from '../../companies/company.projection';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '../event-store/event-store';
import { formatPosition } from '../event-store/position';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import type { Document, ReadStore, ReadStoreWriter } from '../read-store/read-store';
import { SqliteReadStore } from '../read-store/sqlite-read-store';
import { StoreUnavailableError } from '../store-unavailable';
import type { Projection, ProjectionWriter } from './projection';
import { CHECKPOINTS, PARKED_EVENTS } from './projection-checkpoints';
import { ProjectionRunner } from './projection-runner';
import { compareReadModels, rebuildProjection } from './rebuild';

const metadata = () => ({
  actor: { kind: 'system' as const, id: 'spec' },
  correlationId: randomUUID(),
  causationId: randomUUID(),
  at: new Date().toISOString(),
  schemaVersion: 1,
});

/** Deliberately not idempotent: it counts every application, so a duplicate or a loss shows. */
const tally: Projection = {
  name: 'tally',
  version: 1,
  collections: { tallies: [] },
  handles: ['Counted'],
  critical: true,
  async apply(event: RecordedEvent, writer: ProjectionWriter) {
    const current = await writer.get<Document & { count: number; seen: string[] }>('tallies', 'total');
    await writer.upsert('tallies', {
      id: 'total',
      count: (current?.count ?? 0) + 1,
      seen: [...(current?.seen ?? []), event.id],
    });
  },
};

/** A read store whose checkpoint writes fail: the process "dies" between model write and checkpoint. */
function failingAtCheckpoint(store: ReadStore): ReadStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return <T>(work: (tx: ReadStoreWriter) => Promise<T>) =>
        target.transaction((tx) =>
          work({
            ...tx,
            get: tx.get.bind(tx),
            patch: tx.patch.bind(tx),
            delete: tx.delete.bind(tx),
            upsert: async (collection, document) => {
              if (collection === CHECKPOINTS) {
                throw new Error('crash between read-model write and checkpoint');
              }
              return tx.upsert(collection, document);
            },
          }),
        );
    },
  });
}

/** Polls `condition` until it holds; fails the test after two seconds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 2000; !(await condition());) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ProjectionRunner', () => {
  let events: EventStore;
  let reads: ReadStore;
  const runners: ProjectionRunner[] = [];
  const runner = (store: ReadStore, projections: Projection[], options = {}) => {
    const created = new ProjectionRunner(events, store, projections, { leaseTtlMs: 600, ...options });
    runners.push(created);
    return created;
  };
  const count = (n: number, stream = `tally-${randomUUID()}`): Promise<{ position: RecordedEvent['position'] }> =>
    events.append(
      stream,
      Array.from({ length: n }, (): NewEvent => ({ type: 'Counted', data: {}, metadata: metadata() })),
      'any',
    );

  beforeEach(() => {
    const directory = temporaryDirectory();
    events = new SqliteEventStore(`${directory}/events.sqlite`);
    reads = new SqliteReadStore(`${directory}/read.sqlite`);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await events.close();
    await reads.close();
  });

  it('catches up from the start, then follows live appends; waitForPosition resolves once applied', async () => {
    const backlog = await count(3);
    const running = runner(reads, [tally]);
    await running.start();
    expect(await running.waitForPosition('tally', backlog.position, 5000)).toBe(true);
    await until(async () => running.statuses()[0].state === 'live');
    const { position } = await count(2);
    expect(await running.waitForPosition('tally', position, 5000)).toBe(true);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 5 });
    const [status] = running.statuses();
    expect(status).toMatchObject({ name: 'tally', state: 'live', parkedEvents: 0 });
    // Lag is measured for the two events applied live, not for the backlog met while catching up.
    expect(status.lag.samples).toBe(2);
    expect(status.lag.p99Ms).toBeLessThan(1000);
  });

  it('loses and duplicates nothing when it dies between the read-model write and the checkpoint', async () => {
    await count(4);
    const dying = runner(failingAtCheckpoint(reads), [tally]);
    await dying.start();
    const { position } = await count(1);
    expect(await dying.waitForPosition('tally', position, 500)).toBe(false); // critical: it stopped
    expect(dying.statuses()[0]).toMatchObject({ state: 'stopped', error: expect.stringMatching(/crash between/) });
    expect(await reads.get('tallies_v1', 'total')).toBeNull(); // the failed transaction left nothing
    await dying.stop();

    const restarted = runner(reads, [tally]);
    await restarted.start();
    expect(await restarted.waitForPosition('tally', position, 5000)).toBe(true);
    const total = await reads.get<Document & { count: number; seen: string[] }>('tallies_v1', 'total');
    expect(total?.count).toBe(5);
    expect(new Set(total?.seen).size).toBe(5);
  });

  it('resumes from its checkpoint without applying anything twice', async () => {
    const first = runner(reads, [tally]);
    await first.start();
    expect(await first.waitForPosition('tally', (await count(3)).position, 5000)).toBe(true);
    await first.stop();
    await count(2);
    const second = runner(reads, [tally]);
    await second.start();
    expect(await second.waitForPosition('tally', (await count(1)).position, 5000)).toBe(true);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 6 });
  });

  it('applies an event a second time without changing the read model (idempotent handlers)', async () => {
    const stream = `company-${randomUUID()}`;
    const companyId = stream.slice('company-'.length);
    await events.append(
      stream,
      [
        {
          type: 'CompanyRegistered',
          data: { companyId, name: 'A', userLicenses: null, registeredAt: 'T1' },
          metadata: metadata(),
        },
      ],
      'no_stream',
    );
    await events.append(
      stream,
      [{ type: 'CompanyRenamed', data: { companyId, name: 'B', renamedAt: 'T2' }, metadata: metadata() }],
      0,
    );
    const [registered, renamed] = await events.readStream(stream);
    const apply = (event: RecordedEvent) =>
      reads.transaction((tx) =>
        companiesProjection.apply(event, {
          ...tx,
          get: (c, id) => tx.get(`${c}_v1`, id),
          upsert: (c, d) => tx.upsert(`${c}_v1`, d),
          patch: (c, id, f) => tx.patch(`${c}_v1`, id, f),
          delete: (c, id) => tx.delete(`${c}_v1`, id),
        }),
      );
    await apply(registered);
    await apply(renamed);
    const once = await reads.get(COMPANIES, companyId);
    await apply(renamed);
    await apply(registered); // a replay of an older event must not roll the name back
    expect(await reads.get(COMPANIES, companyId)).toEqual(once);
    expect(once).toMatchObject({ name: 'B', revision: 1 });
  });

  it('rebuilds into fresh collections that equal the live read model, and spots a difference', async () => {
    const running = runner(reads, [companiesProjection]);
    await running.start();
    let last: AppendResult | undefined;
    for (let i = 0; i < 30; i++) {
      const companyId = randomUUID();
      last = await events.append(
        `company-${companyId}`,
        [
          {
            type: 'CompanyRegistered',
            data: { companyId, name: `C${i}`, userLicenses: i, registeredAt: `T${i}` },
            metadata: metadata(),
          },
          ...(i % 3 === 0
            ? [{ type: 'CompanyRenamed', data: { companyId, name: `R${i}`, renamedAt: `U${i}` }, metadata: metadata() }]
            : []),
        ],
        'no_stream',
      );
    }
    expect(await running.waitForPosition('companies', last!.position, 5000)).toBe(true);

    const result = await rebuildProjection(events, reads, companiesProjection, { suffix: '_rebuild' });
    expect(result.events).toBe(40);
    expect(await compareReadModels(reads, companiesProjection, '_rebuild')).toEqual([]);

    const victim = (await reads.find(COMPANIES, { limit: 1 })).items[0];
    await reads.patch(COMPANIES, victim.id, { name: 'tampered' });
    const differences = await compareReadModels(reads, companiesProjection, '_rebuild');
    expect(differences).toEqual([
      expect.objectContaining({
        collection: 'companies',
        id: victim.id,
        live: expect.objectContaining({ name: 'tampered' }),
      }),
    ]);
  });

  it('applies a backlog in a few read-model transactions, not one per event', async () => {
    await count(1200);
    let transactions = 0;
    const counting = new Proxy(reads, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver);
        return <T>(work: (tx: ReadStoreWriter) => Promise<T>) => {
          transactions += 1;
          return target.transaction(work);
        };
      },
    });
    const running = runner(counting, [tally]);
    await running.start();
    expect(await running.waitForPosition('tally', await events.headPosition(), 5000)).toBe(true);
    const total = await reads.get<Document & { count: number; seen: string[] }>('tallies_v1', 'total');
    expect(total?.count).toBe(1200);
    expect(transactions).toBeLessThan(1200 / 20);
    const restarted = runner(reads, [tally]);
    await running.stop();
    await restarted.start();
    const { position } = await count(1);
    expect(await restarted.waitForPosition('tally', position, 5000)).toBe(true);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 1201 }); // the checkpoint held
  });

  it('reports live only once the whole backlog is applied, however long its transactions take', async () => {
    const backlog = await count(200);
    const statesSeen = new Set<string>();
    let running: ProjectionRunner | undefined = undefined;
    const slow: Projection = {
      ...tally,
      name: 'slow',
      async apply(event, writer) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        statesSeen.add(running!.statuses()[0].state);
        return tally.apply(event, writer);
      },
    };
    running = runner(reads, [slow]);
    await running.start();
    expect(await running.waitForPosition('slow', backlog.position, 10_000)).toBe(true);
    expect([...statesSeen]).toEqual(['catching_up']);
    // Live once its subscription has confirmed there is nothing newer, a moment after the backlog.
    await until(async () => running.statuses()[0].state === 'live');
    expect(running.statuses()[0]).toMatchObject({ state: 'live', lag: { samples: 0 } });
  });

  it('catches up by reading only the types it handles, then follows the head from there', async () => {
    await events.append(
      `other-${randomUUID()}`,
      Array.from({ length: 300 }, (): NewEvent => ({ type: 'Other', data: {}, metadata: metadata() })),
      'no_stream',
    );
    await count(3);
    const head = await events.headPosition();
    const reads_: Array<{ types?: readonly string[] }> = [];
    const subscribedAfter: string[] = [];
    const spied = new Proxy(events, {
      get(target, property, receiver) {
        if (property === 'readAll') {
          return (options: Parameters<EventStore['readAll']>[0]) => {
            reads_.push({ types: options.filter?.types });
            return target.readAll(options);
          };
        }
        if (property === 'subscribe') {
          return (options: Parameters<EventStore['subscribe']>[0]) => {
            subscribedAfter.push(formatPosition(options.after!));
            return target.subscribe(options);
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const running = new ProjectionRunner(spied, reads, [tally], { leaseTtlMs: 600 });
    runners.push(running);
    await running.start();
    expect(await running.waitForPosition('tally', head, 5000)).toBe(true);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 3 });
    await until(async () => running.statuses()[0].state === 'live');
    // The backlog came through the store's filter; the subscription started at the head, past it all.
    expect(reads_).toEqual([{ types: ['Counted'] }]);
    expect(subscribedAfter).toEqual([formatPosition(head)]);
  });

  it('saves its progress past events it ignores on reaching the head and on stopping', async () => {
    const stored = async () => (await reads.get<Document & { position: string }>(CHECKPOINTS, 'tally_v1'))?.position;
    const other = (n: number) =>
      events.append(
        `other-${randomUUID()}`,
        Array.from({ length: n }, (): NewEvent => ({ type: 'Other', data: {}, metadata: metadata() })),
        'no_stream',
      );
    const backlog = await other(3);
    const running = runner(reads, [tally]);
    await running.start();
    expect(await running.waitForPosition('tally', backlog.position, 5000)).toBe(true);
    await until(async () => (await stored()) === formatPosition(backlog.position));
    const later = await other(2);
    expect(await running.waitForPosition('tally', later.position, 5000)).toBe(true);
    await running.stop();
    expect(await stored()).toBe(formatPosition(later.position)); // within the second, yet kept
  });

  it('parks a failing event of a non-critical projection and keeps going', async () => {
    const fragile: Projection = {
      ...tally,
      name: 'fragile',
      critical: false,
      async apply(event, writer) {
        if ((event.data as { poison?: boolean }).poison) throw new Error('cannot handle this one');
        return tally.apply(event, writer);
      },
    };
    // The poison event sits inside a batch: the good events around it still apply.
    await count(2);
    await events.append(
      `tally-${randomUUID()}`,
      [{ type: 'Counted', data: { poison: true }, metadata: metadata() }],
      'no_stream',
    );
    await count(2);
    const running = runner(reads, [fragile], { attempts: 2 });
    await running.start();
    expect(await running.waitForPosition('fragile', (await count(1)).position, 5000)).toBe(true);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 5 });
    expect(running.statuses()[0]).toMatchObject({ state: 'live', parkedEvents: 1 });
    const parked = await reads.find(PARKED_EVENTS, { limit: 10 });
    expect(parked.items).toEqual([
      expect.objectContaining({ projection: 'fragile_v1', type: 'Counted', error: 'cannot handle this one' }),
    ]);
  });

  it('lets one instance write a projection at a time; the other follows and takes over when it stops', async () => {
    const a = runner(reads, [tally], { instanceId: 'a' });
    const b = runner(reads, [tally], { instanceId: 'b' });
    await a.start();
    await b.start();
    const { position } = await count(3);
    expect(await a.waitForPosition('tally', position, 5000)).toBe(true);
    expect(await b.waitForPosition('tally', position, 5000)).toBe(true);
    const states = [a.statuses()[0].state, b.statuses()[0].state].sort();
    expect(states).toEqual(['live', 'standby']);
    const [active, standby] = a.statuses()[0].state === 'live' ? [a, b] : [b, a];
    await active.stop();
    const next = await count(2);
    expect(await standby.waitForPosition('tally', next.position, 5000)).toBe(true);
    await until(async () => standby.statuses()[0].state === 'live');
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 5 });
  });

  it('keeps its lease through a catch-up longer than the lease: no second writer meanwhile', async () => {
    const backlog = await count(150);
    const slow: Projection = {
      ...tally,
      async apply(event, writer) {
        await new Promise((resolve) => setTimeout(resolve, 8)); // 150 events: well past the 600 ms lease
        return tally.apply(event, writer);
      },
    };
    const first = runner(reads, [slow], { instanceId: 'first' });
    await first.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = runner(reads, [slow], { instanceId: 'second' });
    await second.start();
    expect(await first.waitForPosition('tally', backlog.position, 10_000)).toBe(true);
    expect(await second.waitForPosition('tally', backlog.position, 10_000)).toBe(true);
    // The tally counts every application: a second writer would have counted events twice.
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 150 });
    expect(second.statuses()[0].state).toBe('standby');
  });

  it('waits out a read store that does not answer: a critical projection does not stop, nothing is parked', async () => {
    let answering = false;
    let refused = 0;
    const flaky = new Proxy(reads, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver);
        return <T>(work: (tx: ReadStoreWriter) => Promise<T>) => {
          if (answering) return target.transaction(work);
          refused += 1;
          return Promise.reject(new StoreUnavailableError('readStore', 'no answer within 5000 ms'));
        };
      },
    });
    const lenient: Projection = {
      ...tally,
      name: 'lenient',
      critical: false,
      collections: { seen: [] },
      apply: (event, writer) => writer.upsert('seen', { id: event.id }),
    };
    const running = runner(flaky, [tally, lenient], { attempts: 2 });
    await running.start();
    const { position } = await count(4);
    // Several attempts fail meanwhile: each is refused twice (as a batch, then alone) and the
    // projection resumes from its checkpoint half a second later, so eight refusals are four attempts.
    await until(async () => refused >= 8);
    expect(running.statuses().map((status) => status.state)).not.toContain('stopped');
    answering = true;
    expect(await running.waitForPosition('tally', position, 5000)).toBe(true);
    expect(await running.waitForPosition('lenient', position, 5000)).toBe(true);
    await until(async () => running.statuses().every((status) => status.state === 'live'));
    expect(running.statuses().map((status) => status.parkedEvents)).toEqual([0, 0]);
    expect(await reads.get('tallies_v1', 'total')).toMatchObject({ count: 4 });
    expect((await reads.find('seen_v1', { limit: 10 })).items).toHaveLength(4);
  });
});
