import type { Json } from '../support/oauth-fixtures';
import { temporaryDirectory } from '../support/temporary-directory';
import { exited, killMidBurst, startServerProcess } from '../support/server-process';

/**
 * A token answered `200` is a durable token: issue tokens from many connections at the real server
 * (client credentials, and the AIRisk code flow with its refresh token), `kill -9` it mid-burst,
 * restart it on the same data, and find every token it answered still active.
 */
describe('token durability across kill -9', () => {
  it('keeps every token it answered 200 active after a restart', async () => {
    const dataDir = temporaryDirectory();
    const adminKey = 'token-durability-admin-key-'.padEnd(48, 't');
    // One issuer across the restart (the default names the port, which the restart changes).
    const environment = { DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, ISSUER: 'http://identity.test' };
    const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const json = { 'content-type': 'application/json' };

    const first = await startServerProcess(environment);
    const post = async (path: string, body: unknown, headers: Record<string, string> = admin) => {
      const response = await fetch(`${first.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const company = (await post('/api/admin/companies', { name: 'Durable tokens' })).body.id;
    const redirectUri = 'https://app.example/cb';
    const { clientId, clientSecret } = (
      await post('/api/admin/clients', { companyId: company, name: 'Issuer', redirectUris: [redirectUri] })
    ).body;
    const credentials = { client_id: clientId, client_secret: clientSecret };

    const answered: string[] = [];
    const clientCredentials = async () => {
      const { status, body } = await post(
        '/api/oauth2/token',
        { ...credentials, grant_type: 'client_credentials' },
        json,
      );
      if (status === 200) answered.push(body.access_token);
    };
    const codeFlow = async () => {
      const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri });
      const authorize = await fetch(`${first.baseUrl}/api/oauth2?${query}`, { redirect: 'manual' });
      const code = new URL(authorize.headers.get('location')!).searchParams.get('code');
      const { status, body } = await post(
        '/api/oauth2/token',
        { ...credentials, code, redirect_uri: redirectUri },
        json,
      );
      if (status === 200) answered.push(body.access_token, body.refresh_token);
    };
    const issue = (w: number) => (w % 2 === 0 ? clientCredentials() : codeFlow());
    const cutOff = await killMidBurst(first, issue, () => answered.length >= 300);
    expect(cutOff).toBe(16); // the burst really was cut off mid-flight

    const second = await startServerProcess(environment);
    try {
      const inactive: string[] = [];
      for (const token of answered) {
        const response = await fetch(`${second.baseUrl}/api/oauth2/introspect`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ ...credentials, token }),
        });
        if (((await response.json()) as Json).active !== true) inactive.push(token.slice(0, 16));
      }
      expect(inactive).toEqual([]);
      expect(answered.length).toBeGreaterThanOrEqual(300);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  }, 90_000);
});
