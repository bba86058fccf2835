import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exited, type ServerProcess, startServerProcess } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * The per-grant revocations of a disable run after the request, on a checkpointed reactor: killed
 * with `kill -9` while it records them, the service picks up where it stopped on restart, and every
 * grant the disable ended ends up recorded, once.
 */
describe('the revocation cascade across kill -9', () => {
  it('records every grant of a disabled client after a crash in the middle of it', async () => {
    const adminKey = 'cascade-crash-admin-key-'.padEnd(48, 'c');
    const environment = { DATA_DIR: temporaryDirectory(), ADMIN_API_KEY: adminKey, ISSUER: 'http://identity.test' };
    let service: ServerProcess = await startServerProcess(environment);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${service.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const company = (await call('POST', '/api/admin/companies', { name: 'Crash' })).body.id;
    const client = (
      await call('POST', '/api/admin/clients', {
        companyId: company,
        name: 'App',
        redirectUris: ['https://a.example/cb'],
      })
    ).body;
    const tokenRequest = () =>
      fetch(`${service.baseUrl}/api/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: client.clientId,
          client_secret: client.clientSecret,
          grant_type: 'client_credentials',
        }),
      });
    for (let batch = 0; batch < 8; batch++) await Promise.all(Array.from({ length: 50 }, tokenRequest));

    expect((await call('POST', `/api/admin/clients/${client.clientId}/disable`)).status).toBe(200);
    service.child.kill('SIGKILL'); // the cascade has barely begun
    await exited(service.child);
    const store = new Database(join(environment.DATA_DIR, 'events.sqlite'), { readonly: true });
    const recordedBeforeTheCrash = store
      .prepare<[], { count: number }>("SELECT count(*) AS count FROM events WHERE type = 'TokenRevoked'")
      .get()!.count;
    store.close();
    expect(recordedBeforeTheCrash).toBeLessThan(400); // the crash really cut it short

    service = await startServerProcess(environment);
    try {
      const revoked = async () =>
        (await call('GET', `/api/admin/audit/events?clientId=${client.clientId}&type=TokenRevoked&limit=1000`)).body
          .items.length as number;
      const deadline = Date.now() + 20_000;
      while ((await revoked()) < 400 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await revoked()).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await revoked()).toBe(400); // once each, not again
    } finally {
      service.child.kill('SIGKILL');
      await exited(service.child);
    }
  }, 90_000);
});
