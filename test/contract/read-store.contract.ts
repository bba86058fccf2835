import { randomUUID } from 'node:crypto';
import { type FindOptions, InvalidCursorError, type ReadStore } from '../../src/platform/read-store/read-store';

/** One suite, every adapter. Collections are named per test so live servers need no cleanup between runs. */
export function readStoreContract(open: () => Promise<ReadStore>): void {
  let store: ReadStore;
  let collection: string;

  beforeEach(async () => {
    store = await open();
    collection = `contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  });
  afterEach(async () => {
    await store.dropCollection(collection);
    await store.close();
  });

  /** Every id `find` returns, page after page through its cursors, in order. */
  async function allPages(options: Omit<FindOptions, 'cursor'>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.find(collection, { ...options, cursor });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      if (!cursor) return ids;
    }
    throw new Error(`still paging after 100 pages: ${ids.join(' ')}`);
  }

  it('upserts, gets, patches and deletes documents', async () => {
    expect(await store.get(collection, 'a')).toBeNull();
    await store.upsert(collection, { id: 'a', name: 'Acme', seats: 3 });
    expect(await store.get(collection, 'a')).toEqual({ id: 'a', name: 'Acme', seats: 3 });
    await store.upsert(collection, { id: 'a', name: 'Acme Ltd' });
    expect(await store.get(collection, 'a')).toEqual({ id: 'a', name: 'Acme Ltd' });
    expect(await store.patch(collection, 'a', { seats: 5 })).toBe(true);
    expect(await store.get(collection, 'a')).toEqual({ id: 'a', name: 'Acme Ltd', seats: 5 });
    expect(await store.patch(collection, 'missing', { seats: 5 })).toBe(false);
    expect(await store.get(collection, 'missing')).toBeNull();
    expect(await store.delete(collection, 'a')).toBe(true);
    expect(await store.delete(collection, 'a')).toBe(false);
    expect(await store.get(collection, 'a')).toBeNull();
  });

  it('finds by equality filters, sorted, in pages that join up to the whole result', async () => {
    await store.ensureIndexes(collection, [{ fields: ['companyId', 'createdAt'] }]);
    await store.ensureIndexes(collection, [{ fields: ['companyId', 'createdAt'] }]); // idempotent
    const expected: string[] = [];
    for (let i = 0; i < 23; i++) {
      const companyId = i % 3 === 0 ? 'other' : 'c1';
      // Repeated timestamps: ties must be broken by id, without losing or repeating an item.
      const createdAt = `2026-01-${String(10 + Math.floor(i / 2)).padStart(2, '0')}`;
      await store.upsert(collection, {
        id: `u${String(i).padStart(2, '0')}`,
        companyId,
        createdAt,
        active: i % 2 === 0,
      });
      if (companyId === 'c1') expected.push(`u${String(i).padStart(2, '0')}`);
    }
    for (const direction of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.find(collection, {
          where: { companyId: 'c1' },
          sortBy: 'createdAt',
          direction,
          limit: 4,
          cursor,
        });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen).toEqual(direction === 'asc' ? expected : [...expected].reverse());
    }
    const active = await store.find(collection, { where: { companyId: 'c1', active: true }, limit: 100 });
    expect(active.items.every((item) => item.active === true && item.companyId === 'c1')).toBe(true);
    expect(active.items.map((item) => item.id)).toEqual(expected.filter((id) => Number(id.slice(1)) % 2 === 0));
    expect(active.nextCursor).toBeUndefined();
  });

  it('pages by id by default', async () => {
    for (const id of ['c', 'a', 'b']) await store.upsert(collection, { id });
    const first = await store.find(collection, { limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual(['a', 'b']);
    const second = await store.find(collection, { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((item) => item.id)).toEqual(['c']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses operators, odd field names and forged cursors', async () => {
    await store.upsert(collection, { id: 'a', name: 'x' });
    const operator = { $ne: null } as unknown as string;
    await expect(store.find(collection, { where: { name: operator }, limit: 1 })).rejects.toThrow(TypeError);
    await expect(store.find(collection, { where: { $where: 'x' }, limit: 1 })).rejects.toThrow(RangeError);
    await expect(store.find(collection, { limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(store.get('Robert"; DROP TABLE x', 'a')).rejects.toThrow(RangeError);
  });

  it('commits every write of a transaction together, or none', async () => {
    await store.transaction(async (tx) => {
      await tx.upsert(collection, { id: 'a', n: 1 });
      await tx.upsert(collection, { id: 'checkpoint', at: 1 });
      expect(await tx.get(collection, 'a')).toEqual({ id: 'a', n: 1 });
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.patch(collection, 'a', { n: 2 });
        await tx.upsert(collection, { id: 'checkpoint', at: 2 });
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await store.get(collection, 'a')).toEqual({ id: 'a', n: 1 });
    expect(await store.get(collection, 'checkpoint')).toEqual({ id: 'checkpoint', at: 1 });
  });

  it('lists and drops collections', async () => {
    await store.upsert(collection, { id: 'a' });
    expect(await store.listCollections()).toContain(collection);
    await store.dropCollection(collection);
    expect(await store.listCollections()).not.toContain(collection);
    expect(await store.get(collection, 'a')).toBeNull();
  });

  it('grants a lease to one owner at a time until it expires or is released', async () => {
    const lease = `lease_${randomUUID()}`;
    const contenders = await Promise.all([
      store.tryAcquireLease(lease, 'one', 10_000),
      store.tryAcquireLease(lease, 'two', 10_000),
    ]);
    expect(contenders.filter(Boolean)).toHaveLength(1);
    const holder = contenders[0] ? 'one' : 'two';
    const other = holder === 'one' ? 'two' : 'one';
    expect(await store.tryAcquireLease(lease, holder, 10_000)).toBe(true); // renewal
    expect(await store.tryAcquireLease(lease, other, 10_000)).toBe(false);
    await store.releaseLease(lease, holder);
    expect(await store.tryAcquireLease(lease, other, 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.tryAcquireLease(lease, holder, 10_000)).toBe(true); // the other's lease expired
    await store.releaseLease(lease, holder);
  });

  it('commits concurrent read-then-write transactions on one document without losing an update', async () => {
    await store.upsert(collection, { id: 'counter', n: 0 });
    const written = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const counter = await tx.get<{ id: string; n: number }>(collection, 'counter');
          await tx.upsert(collection, { id: 'counter', n: counter!.n + 1 });
          return counter!.n + 1;
        }),
      ),
    );
    // Each transaction that committed saw the one before it: every count from 1 to 20, once.
    expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.get(collection, 'counter')).toEqual({ id: 'counter', n: 20 });
  });

  it('sorts null and missing values together before every other value, and pages through them both ways', async () => {
    for (const id of ['b', 'e', 'j']) await store.upsert(collection, { id }); // no rank field at all
    for (const id of ['c', 'g', 'k']) await store.upsert(collection, { id, rank: null });
    for (const [id, rank] of Object.entries({ a: 2, d: 0, f: -1, h: 2, i: 10 })) {
      await store.upsert(collection, { id, rank });
    }
    // Ties (null with missing, 2 with 2) in id order, reversed as a whole for desc.
    const ascending = ['b', 'c', 'e', 'g', 'j', 'k', 'f', 'd', 'a', 'h', 'i'];
    for (const limit of [1, 2, 3, 20]) {
      expect({ limit, asc: await allPages({ sortBy: 'rank', direction: 'asc', limit }) }).toEqual({
        limit,
        asc: ascending,
      });
      expect({ limit, desc: await allPages({ sortBy: 'rank', direction: 'desc', limit }) }).toEqual({
        limit,
        desc: [...ascending].reverse(),
      });
    }
  });

  it('matches a null filter where the field is null or missing, and nowhere else', async () => {
    await store.upsert(collection, { id: 'a', nick: null, profile: { nick: 'p' } });
    await store.upsert(collection, { id: 'b' });
    await store.upsert(collection, { id: 'c', nick: 0, profile: {} });
    await store.upsert(collection, { id: 'd', nick: false, profile: { nick: null } });
    await store.upsert(collection, { id: 'e', nick: '', profile: { nick: 0 } });
    await store.upsert(collection, { id: 'f', nick: 'x', profile: { nick: false } });
    const ids = async (where: Record<string, null>) =>
      (await store.find(collection, { where, limit: 100 })).items.map((item) => item.id);
    expect(await ids({ nick: null })).toEqual(['a', 'b']);
    expect(await ids({ 'profile.nick': null })).toEqual(['b', 'c', 'd']);
    expect(await ids({ nick: null, 'profile.nick': null })).toEqual(['b']);
    expect(await allPages({ where: { nick: null }, sortBy: 'nick', limit: 1 })).toEqual(['a', 'b']);
  });
}
