import { exited, type ServerProcess, startServerProcess } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * Three instances of the built service over one data directory, as operators scale out on one
 * host: what one instance answers, the others honour at once, and what one revokes, the others
 * stop honouring within 300 ms; one of them dying with kill -9 changes neither for the rest.
 */
describe('several instances over one data directory', () => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const instance of running) instance.child.kill('SIGKILL');
    await Promise.all(running.map((instance) => exited(instance.child)));
  });

  it('agree on a new token at once and on a revocation within 300 ms, and go on when one is killed', async () => {
    const adminKey = 'several-instances-admin-key-'.padEnd(48, 's');
    // One issuer for all: by default it names the instance's port.
    const environment = { DATA_DIR: temporaryDirectory(), ADMIN_API_KEY: adminKey, ISSUER: 'http://identity.test' };
    // One after the other: the first creates the signing key the others then load.
    for (let i = 0; i < 3; i++) running.push(await startServerProcess(environment));
    const [a, b, c] = running;
    const post = async (instance: ServerProcess, path: string, body: unknown, admin = false) => {
      const response = await fetch(`${instance.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${adminKey}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await response.text(); // a revocation answers 200 with no body (RFC 7009 §2.2)
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };

    const company = (await post(a, '/api/admin/companies', { name: 'Scaled out' }, true)).body.id;
    const registered = await post(
      a,
      '/api/admin/clients',
      { companyId: company, name: 'Svc', redirectUris: ['https://svc.example/cb'] },
      true,
    );
    const credentials = { client_id: registered.body.clientId, client_secret: registered.body.clientSecret };
    const issue = async (instance: ServerProcess) => {
      const answer = await post(instance, '/api/oauth2/token', { ...credentials, grant_type: 'client_credentials' });
      expect(answer.status).toBe(200);
      return answer.body.access_token as string;
    };
    const active = async (instance: ServerProcess, token: string) =>
      (await post(instance, '/api/oauth2/introspect', { ...credentials, token })).body.active as boolean;

    // A client registered on one instance authenticates on another at once (read your writes across instances).
    const first = await issue(c);
    expect(await Promise.all([a, b].map((instance) => active(instance, first)))).toEqual([true, true]);

    for (let round = 0; round < 30; round++) {
      const issuer = running[round % 3];
      const token = await issue(issuer);
      const others = running.filter((instance) => instance !== issuer);
      expect(await Promise.all(others.map((instance) => active(instance, token)))).toEqual([true, true]);
    }

    const revocationDelays = async (revoker: ServerProcess, others: ServerProcess[]) => {
      const token = await issue(revoker);
      expect((await post(revoker, '/api/oauth2/revoke', { ...credentials, token })).status).toBe(200);
      const revokedAt = Date.now();
      expect(await active(revoker, token)).toBe(false); // at once where it was taken
      return Promise.all(
        others.map(async (instance) => {
          while (await active(instance, token)) {
            if (Date.now() - revokedAt > 2_000) throw new Error('revocation not seen within 2 s');
          }
          return Date.now() - revokedAt;
        }),
      );
    };
    for (const delay of await revocationDelays(a, [b, c])) expect(delay).toBeLessThan(300);

    c.child.kill('SIGKILL');
    await exited(c.child);
    const afterKill = await issue(b);
    expect(await active(a, afterKill)).toBe(true);
    for (const delay of await revocationDelays(b, [a])) expect(delay).toBeLessThan(300);
  }, 60_000);
});
