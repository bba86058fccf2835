import { closedPort, silentServer } from '../../../test/support/silent-server';
import { StoreUnavailableError } from '../store-unavailable';
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
