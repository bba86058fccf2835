import { OAuthFixture, pkcePair } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/**
 * What anyone holding only a public client's id could otherwise do: the service gives public
 * clients no privileges that need authentication, and malformed tokens are plain refusals.
 */
describe('OAuth hardening', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Hardened');
    await oauth.user(companyId, { id: 'victim_1', firstName: 'Vic', lastName: 'Tim' });
  });
  afterAll(() => service.close());

  it.each([
    ['admin scope', { scopes: ['admin'] }],
    ['audit scope', { scopes: ['audit:read'] }],
    ['user tokens', { allowUserTokens: true }],
  ])('refuses to register a public client with %s, appending nothing', async (_, privileges) => {
    const before = await oauth.head();
    const response = await service.request('/api/admin/clients', {
      method: 'POST',
      body: JSON.stringify({
        companyId,
        name: 'SPA',
        type: 'public',
        redirectUris: ['http://127.0.0.1:8765/cb'],
        ...privileges,
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'public_client_privileges' });
    expect(await oauth.head()).toBe(before);
  });

  it('gives a public client neither user tokens nor the user list', async () => {
    const spa = await oauth.client(companyId, { type: 'public', redirectUris: ['http://127.0.0.1:8765/cb'] });
    const { challenge, verifier } = pkcePair();
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const asUser = await oauth.authorize({
      client_id: spa.clientId,
      redirect_uri: spa.redirectUris[0],
      userid: 'victim_1',
      ...pkce,
    });
    expect(asUser.params).toMatchObject({ error: 'unauthorized_client' });
    const generic = await oauth.redeem(spa, await oauth.code(spa, pkce), { code_verifier: verifier });
    const list = await fetch(`${service.baseUrl}/api/Users/ListUsers`, {
      headers: { authorization: `Bearer ${generic.access_token}` },
    });
    expect(list.status).toBe(403);
  });

  it('never grants admin or audit scopes through the authorization endpoint, even to a client holding them', async () => {
    const admin = await oauth.client(companyId, { scopes: ['admin', 'audit:read'] });
    for (const scope of ['admin', 'audit:read']) {
      const answer = await oauth.authorize({ client_id: admin.clientId, redirect_uri: admin.redirectUris[0], scope });
      expect(answer.params).toMatchObject({ error: 'invalid_scope' });
      expect(answer.params.code).toBeUndefined();
    }
  });

  it('answers a malformed JWT with 401, not a server error, on every route that reads bearer tokens', async () => {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })).toString('base64url');
    const garbage = `${header}.${Buffer.from('not json').toString('base64url')}.c2ln`;
    for (const path of ['/api/Users/ListUsers', '/api/admin/users']) {
      const response = await fetch(`${service.baseUrl}${path}`, { headers: { authorization: `Bearer ${garbage}` } });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });
});
