import { randomUUID } from 'node:crypto';
import type { PersonalDataKeys } from '../../src/platform/personal-data/personal-data-keys';

/**
 * One suite, every key store adapter. Subjects are named per test, so a live server needs no
 * cleanup between runs. `open` gives a fresh connection on the same store each time it is called.
 */
export function personalDataKeysContract(open: () => Promise<PersonalDataKeys>): void {
  let store: PersonalDataKeys;
  let subject: string;

  beforeEach(async () => {
    store = await open();
    subject = `contract-${randomUUID()}`;
  });
  afterEach(() => store.close());

  it('stores a key once: the first one stored is the one every later call gets', async () => {
    expect(await store.getOrInsert(subject, 'v1.first')).toBe('v1.first');
    expect(await store.getOrInsert(subject, 'v1.second')).toBe('v1.first');
    expect(await store.findMany([subject])).toEqual(new Map([[subject, 'v1.first']]));
  });

  it('gives racing callers one and the same key', async () => {
    const racers = await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const other = await open();
        try {
          return await other.getOrInsert(subject, `v1.racer-${index}`);
        } finally {
          await other.close();
        }
      }),
    );
    expect(new Set(racers).size).toBe(1);
    expect((await store.findMany([subject])).get(subject)).toBe(racers[0]);
  });

  it('finds the keys of those subjects that have one, each once', async () => {
    const other = `${subject}-other`;
    await store.getOrInsert(subject, 'v1.a');
    await store.getOrInsert(other, 'v1.b');
    expect(await store.findMany([subject, `${subject}-none`, other, subject])).toEqual(
      new Map([
        [subject, 'v1.a'],
        [other, 'v1.b'],
      ]),
    );
    expect(await store.findMany([])).toEqual(new Map());
  });

  it('deletes a key for good, for every connection, and only that one', async () => {
    const other = `${subject}-other`;
    await store.getOrInsert(subject, 'v1.doomed');
    await store.getOrInsert(other, 'v1.kept');
    await store.delete(subject);
    const reader = await open();
    try {
      expect(await reader.findMany([subject, other])).toEqual(new Map([[other, 'v1.kept']]));
    } finally {
      await reader.close();
    }
    // A new key may be stored afterwards (a new one, never the deleted one back).
    expect(await store.getOrInsert(subject, 'v1.new')).toBe('v1.new');
  });

  it('deletes an absent key without complaint', async () => {
    await expect(store.delete(subject)).resolves.toBeUndefined();
    expect(await store.findMany([subject])).toEqual(new Map());
  });
}
