import { SqliteReadStore } from '../../src/platform/read-store/sqlite-read-store';
import { temporaryDirectory } from '../support/temporary-directory';
import { readStoreContract } from './read-store.contract';

describe('ReadStore contract: embedded SQLite', () => {
  readStoreContract(async () => new SqliteReadStore(`${temporaryDirectory()}/read-models.sqlite`));
});
