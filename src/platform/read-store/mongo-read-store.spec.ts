import { join } from 'node:path';
import { mongoHelloStandIn } from '../../../test/support/mongo-hello-stand-in';
import { closedPort, silentServer } from '../../../test/support/silent-server';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { StoreMonitor } from '../health/store-monitor';
import { StoreUnavailableError, UnsupportedStoreError } from '../store-unavailable';
import { MongoReadStore } from './mongo-read-store';

/**
 * What the MongoDB adapter does when there is no MongoDB to talk to: these run the real driver
 * against real sockets (refused, or accepted and never answered). The adapter's behaviour with a
 * live server is the read-store contract suite's (test/contract), run where a server exists.
 */
describe('MongoReadStore without a reachable server', () => {
  const timeoutMs = 800;

  it('answers StoreUnavailableError within its deadline, and tries a fresh connection on every later call', async () => {
    const store = MongoReadStore.connect(`mongodb://127.0.0.1:${await closedPort()}/test?replicaSet=rs0`, {
      timeoutMs,
    });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const started = Date.now();
        const failure = await store.get('companies_v1', 'a').catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StoreUnavailableError);
        // The driver keeps a client whose first connection failed closed for good ("Topology is
        // closed"): a store that came up later would never be seen again.
        expect((failure as Error).message).not.toMatch(/Topology is closed/);
        expect(Date.now() - started).toBeLessThan(timeoutMs + 1_000);
      }
    } finally {
      await store.close();
    }
  });

  it('gives up on a server that accepts the connection and never answers, within the deadline', async () => {
    const silent = await silentServer();
    const store = MongoReadStore.connect(`mongodb://127.0.0.1:${silent.port}/test?replicaSet=rs0`, { timeoutMs });
    try {
      const started = Date.now();
      await expect(store.transaction(async (tx) => tx.upsert('companies_v1', { id: 'a' }))).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(store.verifyServer()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2 * timeoutMs + 2_000);
    } finally {
      await store.close();
      await silent.close();
    }
  });

  it('refuses a URI the driver cannot parse when it is created', () => {
    expect(() => MongoReadStore.connect('mongodb://host:notaport/db', { timeoutMs })).toThrow(RangeError);
  });
});

/**
 * With a stand-in that answers only `hello`, `buildInfo` and `ping` (see its file): what the adapter
 * concludes from a server's answers about itself, not what MongoDB does.
 */
describe('MongoReadStore.verifyServer', () => {
  const timeoutMs = 2_000;

  it('connects by itself and names a replica-set member and its version', async () => {
    const standIn = await mongoHelloStandIn('replica set', '7.0.14');
    const store = MongoReadStore.connect(`mongodb://127.0.0.1:${standIn.port}/test?replicaSet=rs0`, { timeoutMs });
    try {
      await expect(store.verifyServer()).resolves.toBe('MongoDB 7.0.14, replica set rs0');
      expect(standIn.commands).toEqual(expect.arrayContaining(['hello', 'buildInfo']));
    } finally {
      await store.close();
      await standIn.close();
    }
  });

  it('accepts a mongos', async () => {
    const standIn = await mongoHelloStandIn('mongos', '8.0.3');
    const store = MongoReadStore.connect(`mongodb://127.0.0.1:${standIn.port}/test`, { timeoutMs });
    try {
      await expect(store.verifyServer()).resolves.toBe('MongoDB 8.0.3, mongos');
    } finally {
      await store.close();
      await standIn.close();
    }
  });

  it('refuses a standalone server, which would fail every transaction', async () => {
    const standIn = await mongoHelloStandIn('standalone');
    const store = MongoReadStore.connect(`mongodb://127.0.0.1:${standIn.port}/test`, { timeoutMs });
    try {
      const refusal = store.verifyServer();
      await expect(refusal).rejects.toBeInstanceOf(UnsupportedStoreError);
      await expect(refusal).rejects.toThrow(/standalone server: transactions need a replica-set member or mongos/);
    } finally {
      await store.close();
      await standIn.close();
    }
  });

  it('is what the store monitor reports: up, with the server named', async () => {
    const standIn = await mongoHelloStandIn('replica set');
    const reads = MongoReadStore.connect(`mongodb://127.0.0.1:${standIn.port}/test?replicaSet=rs0`, { timeoutMs });
    const events = new SqliteEventStore(join(temporaryDirectory(), 'events.sqlite'));
    const monitor = new StoreMonitor(events, reads);
    try {
      await monitor.start();
      expect(monitor.health('readStore')).toMatchObject({ state: 'up', server: 'MongoDB 7.0.14, replica set rs0' });
      expect(monitor.allUp()).toBe(true);
    } finally {
      monitor.stop();
      await reads.close();
      await events.close();
      await standIn.close();
    }
  });
});
