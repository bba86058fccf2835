import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { SqliteReadStore } from './sqlite-read-store';

/** What an erasure needs of the embedded read store: a value overwritten leaves none of its bytes behind. */
describe('SqliteReadStore, on disk', () => {
  const holding = (directory: string, text: string) =>
    readdirSync(directory).filter((name) => readFileSync(join(directory, name)).toString('latin1').includes(text));

  it('keeps no byte of an overwritten value in its file or, once scrubbed, its write-ahead log', async () => {
    const directory = temporaryDirectory();
    const store = new SqliteReadStore(join(directory, 'read-models.sqlite'));
    try {
      const doomed = 'doomed.person@erasure.example';
      await store.upsert('users_v1', { id: 'u1', email: doomed, note: 'x'.repeat(200) });
      await store.upsert('users_v1', { id: 'u2', email: 'kept.person@erasure.example' });
      expect(holding(directory, doomed)).not.toEqual([]); // the scan sees what is there
      await store.upsert('users_v1', { id: 'u1', email: '[erased]' });
      await store.scrub();
      expect(holding(directory, doomed)).toEqual([]);
      expect(holding(directory, 'kept.person@erasure.example')).not.toEqual([]);
      expect(await store.get('users_v1', 'u1')).toEqual({ id: 'u1', email: '[erased]' });
    } finally {
      await store.close();
    }
  });
});
