import { SqliteEventStore } from '../../src/platform/event-store/sqlite-event-store';
import { temporaryDirectory } from '../support/temporary-directory';
import { eventStoreContract } from './event-store.contract';

describe('EventStore contract: embedded SQLite', () => {
  eventStoreContract(async () => new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`));
});
