import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqlitePersonalDataKeys } from '../../src/platform/personal-data/sqlite-personal-data-keys';
import { SqliteReadStore } from '../../src/platform/read-store/sqlite-read-store';
import { rebuildProjection } from '../../src/platform/projections/rebuild';
import { SqliteEventStore } from '../../src/platform/event-store/sqlite-event-store';
import { usersProjection } from '../../src/users/user.projection';
import { temporaryDirectory } from '../support/temporary-directory';
import { personalDataKeysContract } from './personal-data-keys.contract';

describe('PersonalDataKeys contract: embedded SQLite', () => {
  const directory = temporaryDirectory();
  personalDataKeysContract(async () => new SqlitePersonalDataKeys(join(directory, 'personal-data-keys.sqlite')));
});

describe('SqlitePersonalDataKeys, on disk', () => {
  const filesHolding = (directory: string, text: string) =>
    readdirSync(directory).filter((name) => readFileSync(join(directory, name)).toString('latin1').includes(text));

  it('leaves no byte of a deleted key in its file or its write-ahead log', async () => {
    const directory = temporaryDirectory();
    const store = new SqlitePersonalDataKeys(join(directory, 'personal-data-keys.sqlite'));
    const doomed = `v1.${'D'.repeat(40)}`;
    const kept = `v1.${'K'.repeat(40)}`;
    await store.getOrInsert('doomed', doomed);
    await store.getOrInsert('kept', kept);
    expect(filesHolding(directory, doomed)).not.toEqual([]); // the scan sees what is there
    await store.delete('doomed');
    expect(filesHolding(directory, doomed)).toEqual([]);
    expect(filesHolding(directory, kept)).not.toEqual([]);
    await store.close();
  });

  it('empties its write-ahead log at the next call when a reader kept a delete from doing it', async () => {
    const directory = temporaryDirectory();
    const file = join(directory, 'personal-data-keys.sqlite');
    const store = new SqlitePersonalDataKeys(file);
    const doomed = `v1.${'R'.repeat(40)}`;
    await store.getOrInsert('doomed', doomed);
    await store.getOrInsert('kept', 'v1.kept');
    // Another process reading (the rebuild command, say), its snapshot taken before the delete.
    const reader = new Database(file, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM personal_data_keys').get();
    await store.delete('doomed');
    reader.exec('COMMIT');
    reader.close();
    expect(await store.findMany(['doomed', 'kept'])).toEqual(new Map([['kept', 'v1.kept']]));
    expect(filesHolding(directory, doomed)).toEqual([]);
    await store.close();
  }, 15_000);

  it('is a file no read-model rebuild touches', async () => {
    const directory = temporaryDirectory();
    const keys = new SqlitePersonalDataKeys(join(directory, 'personal-data-keys.sqlite'));
    await keys.getOrInsert('ada', 'v1.ada-key');
    const events = new SqliteEventStore(join(directory, 'events.sqlite'));
    const reads = new SqliteReadStore(join(directory, 'read-models.sqlite'));
    try {
      await rebuildProjection(events, reads, usersProjection, { suffix: '' });
      expect(await reads.listCollections()).not.toContain('personal_data_keys');
      expect(await keys.findMany(['ada'])).toEqual(new Map([['ada', 'v1.ada-key']]));
    } finally {
      await Promise.all([events.close(), reads.close(), keys.close()]);
    }
  });
});
