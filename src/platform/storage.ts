import { type AppConfig, ConfigurationError } from '../config/app-config';
import { EsdbEventStore } from './event-store/esdb-event-store';
import type { EventStore } from './event-store/event-store';
import { SqliteEventStore } from './event-store/sqlite-event-store';
import { TimedEventStore } from './event-store/timed-event-store';
import { MongoPersonalDataKeys } from './personal-data/mongo-personal-data-keys';
import { PersonalDataKeyRing } from './personal-data/personal-data-key-ring';
import { PersonalDataSecrets } from './personal-data/personal-data-secrets';
import { SqlitePersonalDataKeys } from './personal-data/sqlite-personal-data-keys';
import { MongoReadStore } from './read-store/mongo-read-store';
import type { ReadStore } from './read-store/read-store';
import { SqliteReadStore } from './read-store/sqlite-read-store';
import type { Tracing } from './tracing/tracing';

/**
 * Refuses, before anything starts, a connection string that the store's own client cannot parse,
 * naming the variable: the clients are the authority on their formats (EventStoreDB's accepts
 * `kurrentdb://`, `kurrent://`, `kdb://`, the deprecated `esdb://`, each also `+discover`).
 */
export function assertStorageSettings(config: AppConfig): void {
  const problems: string[] = [];
  const eventStoreProblem =
    config.eventStoreConnectionString && EsdbEventStore.connectionStringProblem(config.eventStoreConnectionString);
  if (eventStoreProblem)
    problems.push(`EVENTSTORE_CONNECTION_STRING is not a valid connection string: ${eventStoreProblem}`);
  const readStoreProblem = config.mongodbUri && MongoReadStore.uriProblem(config.mongodbUri);
  if (readStoreProblem) problems.push(`MONGODB_URI is not a valid MongoDB URI: ${readStoreProblem}`);
  if (problems.length > 0) throw new ConfigurationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

/** What the service measures of its event store (the command-line tools measure nothing). */
export interface EventStoreObservers {
  /** Each append's duration, whichever the adapter. */
  readonly append: (seconds: number) => void;
  /** Events per transaction of the embedded store's group commit. */
  readonly groupCommit: (events: number) => void;
}

/**
 * EventStoreDB when `EVENTSTORE_CONNECTION_STRING` is set, else the embedded SQLite file; with
 * `observers`, appends are timed; with `tracing` (traces exported), appends and reads are spans.
 * Never connects here: a server that is down at start is the readiness probe's business.
 */
export function openEventStore(config: AppConfig, observers?: EventStoreObservers, tracing?: Tracing): EventStore {
  const store = config.eventStoreConnectionString
    ? EsdbEventStore.connect(config.eventStoreConnectionString, { timeoutMs: config.storeTimeoutMs })
    : new SqliteEventStore(config.eventStoreFile, { onGroupCommit: observers?.groupCommit });
  const timed = observers ? new TimedEventStore(store, observers.append) : store;
  return tracing ? tracing.eventStore(timed, config.eventStoreConnectionString ? 'eventstoredb' : 'sqlite') : timed;
}

/**
 * MongoDB when `MONGODB_URI` is set, else the embedded SQLite file, its transactions spans with
 * `tracing`; never connects here either.
 */
export function openReadStore(config: AppConfig, tracing?: Tracing): ReadStore {
  const store = config.mongodbUri
    ? MongoReadStore.connect(config.mongodbUri, { timeoutMs: config.storeTimeoutMs })
    : new SqliteReadStore(config.readStoreFile);
  return tracing ? tracing.readStore(store, config.mongodbUri ? 'mongodb' : 'sqlite') : store;
}

/**
 * The users' data keys, beside the read store: a collection of its MongoDB database when
 * `MONGODB_URI` is set, else a SQLite file of their own in the data directory (architecture §4.1).
 */
export function openPersonalDataKeys(
  config: AppConfig,
  secrets = PersonalDataSecrets.resolve(config),
): PersonalDataKeyRing {
  const keys = config.mongodbUri
    ? new MongoPersonalDataKeys(config.mongodbUri, config.storeTimeoutMs)
    : new SqlitePersonalDataKeys(config.personalDataKeysFile);
  return new PersonalDataKeyRing(keys, secrets.keyEncryptionKey);
}
