import { serverFeaturesStandIn } from '../../../test/support/server-features-stand-in';
import { closedPort, silentServer } from '../../../test/support/silent-server';
import { StoreUnavailableError, UnsupportedStoreError } from '../store-unavailable';
import { EsdbEventStore } from './esdb-event-store';

/**
 * What the EventStoreDB adapter does when there is no server to talk to: the real client against
 * real sockets (refused, or accepted and never answered: the client's appends and subscriptions
 * would otherwise wait for good). Its behaviour with a live server is the event-store contract
 * suite's (test/contract), run where a server exists.
 */
describe('EsdbEventStore without a reachable server', () => {
  const timeoutMs = 1_000;
  const metadata = {
    actor: { kind: 'system' as const, id: 'test' },
    correlationId: 'c',
    causationId: 'c',
    at: new Date().toISOString(),
    schemaVersion: 1,
  };

  async function expectUnavailableWithin(ms: number, work: () => Promise<unknown>): Promise<void> {
    const started = Date.now();
    await expect(work()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(ms);
  }

  it.each([
    ['refuses connections', async () => ({ port: await closedPort(), close: async () => undefined })],
    ['accepts connections and never answers', silentServer],
  ])('answers StoreUnavailableError within the deadline for every call when the server %s', async (_, server) => {
    const { port, close } = await server();
    const store = EsdbEventStore.connect(`kurrentdb://127.0.0.1:${port}?tls=false`, { timeoutMs });
    const bound = timeoutMs + 1_500;
    try {
      await expectUnavailableWithin(bound, () =>
        store.append('thing-1', [{ type: 'ThingHappened', data: {}, metadata }], 'any'),
      );
      await expectUnavailableWithin(bound, () => store.readStream('thing-1'));
      await expectUnavailableWithin(bound, () => store.readAll({ limit: 10, filter: { types: ['ThingHappened'] } }));
      await expectUnavailableWithin(bound, () => store.headPosition());
      await expectUnavailableWithin(bound, () => store.verifyServer());
      await expectUnavailableWithin(bound, async () => {
        for await (const batch of store.subscribe({})) expect(batch).toBeUndefined();
      });
    } finally {
      await store.close();
      await close();
    }
  });

  it('ends a subscription closed while it waits for the server at once, not at the deadline', async () => {
    const silent = await silentServer();
    const store = EsdbEventStore.connect(`kurrentdb://127.0.0.1:${silent.port}?tls=false`, { timeoutMs: 5_000 });
    try {
      const subscription = store.subscribe({});
      const following = (async () => {
        for await (const batch of subscription) expect(batch).toBeUndefined();
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closedAt = Date.now();
      await subscription.close();
      await following;
      expect(Date.now() - closedAt).toBeLessThan(1_000);
    } finally {
      await store.close();
      await silent.close();
    }
  });

  it('answers StoreUnavailableError when no node of a cluster answers, and closes what never opened quietly', async () => {
    const hosts = `127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}`;
    const store = EsdbEventStore.connect(`kurrentdb://${hosts}?tls=false&maxDiscoverAttempts=1`, { timeoutMs });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const bound = timeoutMs + 1_500;
      await expectUnavailableWithin(bound, () =>
        store.append('thing-1', [{ type: 'ThingHappened', data: {}, metadata }], 'any'),
      );
      await expectUnavailableWithin(bound, () => store.verifyServer());
      const abort = new AbortController();
      const subscription = store.subscribe({ signal: abort.signal });
      const following = (async () => {
        for await (const batch of subscription) expect(batch).toBeUndefined();
      })();
      abort.abort();
      await following.catch((error: unknown) => expect(error).toBeInstanceOf(StoreUnavailableError));
      await subscription.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await store.close();
    }
  });

  it('reports what is wrong with a connection string the client cannot parse', () => {
    expect(EsdbEventStore.connectionStringProblem('kurrentdb://eventstore:2113?tls=false')).toBeUndefined();
    expect(EsdbEventStore.connectionStringProblem('http://eventstore:2113')).toMatch(/expected kurrentdb:\/\//);
  });

  // With a stand-in for the one server call that tells the version (see its file): what the
  // adapter does between calls, not what EventStoreDB does.
  describe('the server-version check', () => {
    it('recovers when a server that hung answers again: a timed-out client is replaced, not reused', async () => {
      const standIn = await serverFeaturesStandIn();
      const store = EsdbEventStore.connect(`kurrentdb://127.0.0.1:${standIn.port}?tls=false`, { timeoutMs });
      try {
        await expect(store.verifyServer()).rejects.toBeInstanceOf(StoreUnavailableError);
        standIn.answer('24.10.0');
        // The client would keep its first, still pending (then failed) answer for good.
        await expect(store.verifyServer()).resolves.toBe('EventStoreDB 24.10.0');
      } finally {
        await store.close();
        standIn.close();
      }
    });

    it.each(['23.6.0', '22.10.1', 'unknown'])(
      'refuses a server that says it is %s (older than 23.10)',
      async (version) => {
        const standIn = await serverFeaturesStandIn();
        standIn.answer(version);
        const store = EsdbEventStore.connect(`kurrentdb://127.0.0.1:${standIn.port}?tls=false`, { timeoutMs });
        try {
          await expect(store.verifyServer()).rejects.toBeInstanceOf(UnsupportedStoreError);
        } finally {
          await store.close();
          standIn.close();
        }
      },
    );

    it.each(['23.10.0', '24.10.2', '25.0.0'])('accepts a server that says it is %s', async (version) => {
      const standIn = await serverFeaturesStandIn();
      standIn.answer(version);
      const store = EsdbEventStore.connect(`kurrentdb://127.0.0.1:${standIn.port}?tls=false`, { timeoutMs });
      try {
        await expect(store.verifyServer()).resolves.toBe(`EventStoreDB ${version}`);
      } finally {
        await store.close();
        standIn.close();
      }
    });
  });
});
