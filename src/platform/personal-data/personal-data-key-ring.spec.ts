import { createSecretKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { PersonalDataKeyRing, PersonalDataSecretMismatchError } from './personal-data-key-ring';
import { StoreUnavailableError } from '../store-unavailable';
import { SqlitePersonalDataKeys } from './sqlite-personal-data-keys';

describe('PersonalDataKeyRing', () => {
  const kek = createSecretKey(randomBytes(32));
  let clock: number;
  let directory: string;
  const stores: SqlitePersonalDataKeys[] = [];
  /** A key store on the shared file, with its calls to the store counted. */
  const opened = () => {
    const store = new SqlitePersonalDataKeys(join(directory, 'keys.sqlite'));
    stores.push(store);
    const calls = { findMany: 0 };
    const findMany = store.findMany.bind(store);
    store.findMany = (subjects) => ((calls.findMany += 1), findMany(subjects));
    return { store, calls };
  };
  const ring = (store: SqlitePersonalDataKeys, options = { maxKeys: 100, ttlMs: 60_000 }) =>
    new PersonalDataKeyRing(store, kek, { ...options, now: () => clock });

  beforeEach(() => {
    clock = 0;
    directory = temporaryDirectory();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('creates a subject’s key once, and every instance gets that key', async () => {
    const [one, other] = [ring(opened().store), ring(opened().store)];
    const created = await one.keyFor('ada');
    expect((await other.keyFor('ada')).id).toBe(created.id);
    expect((await other.keysOf(['ada', 'bob'])).get('ada')?.id).toBe(created.id);
    expect((await other.keysOf(['bob'])).size).toBe(0);
  });

  it('refuses every use under another personal-data secret, storing nothing, and keeps working under the right one', async () => {
    await ring(opened().store).keyFor('ada');
    const { store } = opened();
    const wrongSecret = new PersonalDataKeyRing(store, createSecretKey(randomBytes(32)));
    await expect(wrongSecret.keyFor('bob')).rejects.toBeInstanceOf(PersonalDataSecretMismatchError);
    await expect(wrongSecret.keysOf(['ada'])).rejects.toThrow('written under another personal-data secret');
    await expect(wrongSecret.held(['ada'])).rejects.toBeInstanceOf(PersonalDataSecretMismatchError);
    // Nothing was sealed under a key only the wrong secret opens.
    expect([...(await store.findMany(['ada', 'bob'])).keys()]).toEqual(['ada']);
    expect(await ring(opened().store).held(['ada', 'bob'])).toEqual(['ada']);
  });

  it('checks the secret again after a store that did not answer, not once for good', async () => {
    const { store } = opened();
    const getOrInsert = store.getOrInsert.bind(store);
    let answering = false;
    store.getOrInsert = (subject, wrapped) =>
      answering ? getOrInsert(subject, wrapped) : Promise.reject(new StoreUnavailableError('readStore', 'down'));
    const keys = ring(store);
    await expect(keys.keyFor('ada')).rejects.toBeInstanceOf(StoreUnavailableError);
    answering = true;
    expect((await keys.keyFor('ada')).id).toEqual(expect.any(String));
  });

  it('serves keys from memory within the TTL, and asks the store again after it', async () => {
    const { store, calls } = opened();
    const keys = ring(store);
    await keys.keyFor('ada');
    await keys.keysOf(['ada']);
    expect(calls.findMany).toBe(0);
    clock += 60_000;
    await keys.keysOf(['ada']);
    expect(calls.findMany).toBe(1);
  });

  it('holds at most maxKeys, dropping the least recently used', async () => {
    const { store, calls } = opened();
    const keys = ring(store, { maxKeys: 2, ttlMs: 60_000 });
    for (const subject of ['a', 'b']) await keys.keyFor(subject);
    await keys.keysOf(['a']); // a is now the most recently used
    await keys.keyFor('c'); // b goes
    await keys.keysOf(['a', 'c']);
    expect(calls.findMany).toBe(0);
    await keys.keysOf(['b']);
    expect(calls.findMany).toBe(1);
  });

  it('forgets an erased key at once on the erasing instance, and on another within the TTL', async () => {
    const erasing = ring(opened().store);
    const other = ring(opened().store);
    await erasing.keyFor('ada');
    await other.keysOf(['ada']);
    await erasing.erase('ada');
    expect((await erasing.keysOf(['ada'])).size).toBe(0);
    expect(await erasing.held(['ada'])).toEqual([]);
    expect((await other.keysOf(['ada'])).size).toBe(1); // from memory, within the documented bound
    clock += 60_000;
    expect((await other.keysOf(['ada'])).size).toBe(0);
  });

  it('forgets a key at once when told of an erasure elsewhere', async () => {
    const erasing = ring(opened().store);
    const other = ring(opened().store);
    await erasing.keyFor('ada');
    await other.keysOf(['ada']);
    await erasing.erase('ada');
    other.forget('ada');
    expect((await other.keysOf(['ada'])).size).toBe(0);
  });

  it('does not cache a key fetched while it was being erased', async () => {
    const { store } = opened();
    const keys = ring(store);
    await keys.keyFor('ada');
    keys.forget('ada');
    const racing = keys.keysOf(['ada']); // reads the store before the delete lands
    await keys.erase('ada');
    await racing;
    expect((await keys.keysOf(['ada'])).size).toBe(0);
  });
});
