import { EsdbEventStore } from '../../src/platform/event-store/esdb-event-store';
import type { EventStore } from '../../src/platform/event-store/event-store';
import { describeWithLiveServer } from '../support/live-server';
import { type TcpProxy, tcpProxy } from '../support/tcp-proxy';
import { eventStoreContract } from './event-store.contract';

/** `scheme://host:port?options` with one host: the only form a single relay can stand in for. */
const SINGLE_HOST = /^([a-z+]+:\/\/)([^/?,]+):(\d+)(.*)$/;

describeWithLiveServer('EVENTSTORE_CONNECTION_STRING', 'EventStore contract: EventStoreDB', (connectionString) => {
  const single = SINGLE_HOST.exec(connectionString);
  if (!single) {
    // A cluster string names several nodes: one relay cannot stand for them, so the suite talks to
    // the server directly and the dropped-connection case says it is skipped.
    eventStoreContract(async () => EsdbEventStore.connect(connectionString, { timeoutMs: 10_000 }));
    return;
  }
  const [, scheme, host, port, options] = single;
  // Every store of the suite reaches the server through its own relay, so a test can cut the
  // connection under a live subscription without closing the store.
  const relays = new Map<EventStore, TcpProxy>();
  afterAll(async () => Promise.all([...relays.values()].map((relay) => relay.close())));
  eventStoreContract(
    async () => {
      const relay = await tcpProxy(host, Number(port));
      const store = EsdbEventStore.connect(`${scheme}127.0.0.1:${relay.port}${options}`, { timeoutMs: 10_000 });
      relays.set(store, relay);
      return store;
    },
    { dropConnection: async (store) => relays.get(store)!.dropConnections() },
  );
});
