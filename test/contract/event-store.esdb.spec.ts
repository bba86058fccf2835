import { EsdbEventStore } from '../../src/platform/event-store/esdb-event-store';
import { describeWithLiveServer } from '../support/live-server';
import { eventStoreContract } from './event-store.contract';

describeWithLiveServer('EVENTSTORE_CONNECTION_STRING', 'EventStore contract: EventStoreDB', (connectionString) => {
  eventStoreContract(async () => EsdbEventStore.connect(connectionString, { timeoutMs: 10_000 }));
});
