import { AppConfig } from '../config/app-config';
import { EsdbEventStore } from './event-store/esdb-event-store';
import { EventStore } from './event-store/event-store';
import { SqliteEventStore } from './event-store/sqlite-event-store';
import { MongoReadStore } from './read-store/mongo-read-store';
import { ReadStore } from './read-store/read-store';
import { SqliteReadStore } from './read-store/sqlite-read-store';

/** EventStoreDB when `EVENTSTORE_CONNECTION_STRING` is set, else the embedded SQLite file (DESIGN §2). */
export function openEventStore(config: AppConfig): EventStore {
  return config.eventStoreConnectionString
    ? EsdbEventStore.connect(config.eventStoreConnectionString)
    : new SqliteEventStore(config.eventStoreFile);
}

/** MongoDB when `MONGODB_URI` is set, else the embedded SQLite file. */
export async function openReadStore(config: AppConfig): Promise<ReadStore> {
  return config.mongodbUri ? MongoReadStore.connect(config.mongodbUri) : new SqliteReadStore(config.readStoreFile);
}
