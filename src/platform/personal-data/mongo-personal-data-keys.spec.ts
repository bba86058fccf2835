import { closedPort, silentServer } from '../../../test/support/silent-server';
import { StoreUnavailableError } from '../store-unavailable';
import { MongoPersonalDataKeys } from './mongo-personal-data-keys';

/**
 * The MongoDB key store without a server to talk to: the real driver against real sockets. An
 * erasure or a registration that cannot reach its keys must fail as the store being unavailable
 * (a 503 the caller retries), within the deadline, and find the server once it is back. Its
 * behaviour with a live server is the key-store contract suite's (test/contract).
 */
describe('MongoPersonalDataKeys without a reachable server', () => {
  const timeoutMs = 800;

  it('answers StoreUnavailableError naming the key store within its deadline, and connects afresh on later calls', async () => {
    const keys = new MongoPersonalDataKeys(`mongodb://127.0.0.1:${await closedPort()}/test?replicaSet=rs0`, timeoutMs);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const started = Date.now();
        const failure = await keys.findMany(['ada']).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StoreUnavailableError);
        expect((failure as Error).message).toMatch(/^read store unavailable: personal-data keys: /);
        expect((failure as Error).message).not.toMatch(/Topology is closed/);
        expect(Date.now() - started).toBeLessThan(timeoutMs + 1_000);
      }
    } finally {
      await keys.close();
    }
  });

  it('gives up on a server that accepts the connection and never answers, within the deadline', async () => {
    const silent = await silentServer();
    const keys = new MongoPersonalDataKeys(`mongodb://127.0.0.1:${silent.port}/test?replicaSet=rs0`, timeoutMs);
    try {
      const started = Date.now();
      await expect(keys.delete('ada')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(timeoutMs + 2_000);
    } finally {
      await keys.close();
      await silent.close();
    }
  });

  it('refuses every call once closed', async () => {
    const keys = new MongoPersonalDataKeys(`mongodb://127.0.0.1:${await closedPort()}/test`, timeoutMs);
    await keys.close();
    await expect(keys.findMany(['ada'])).rejects.toThrow('personal-data keys is closed');
  });
});
