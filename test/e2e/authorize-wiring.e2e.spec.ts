import { OAuthFixture, pkcePair } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/** The authorization endpoint: the exact registered redirect URI, and who must use PKCE (RFC 7636 §4.4.1). */
describe('authorization endpoint: redirect URI as registered, PKCE as required', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Wiring Ltd');
  });
  afterAll(() => service.close());

  it('redirects to the registered URI exactly as written, its own query untouched', async () => {
    const redirectUri = 'https://app.example/cb?tenant=a%20b&flag&x=%7e';
    const client = await oauth.client(companyId, { redirectUris: [redirectUri] });
    const answer = await oauth.authorize({ client_id: client.clientId, redirect_uri: redirectUri, state: 's 1' });
    expect(answer.status).toBe(302);
    const location = answer.response.headers.get('location')!;
    expect(location.startsWith(`${redirectUri}&code=`)).toBe(true);
    expect(location.endsWith(`&state=s+1&iss=${encodeURIComponent(service.baseUrl)}`)).toBe(true);
    const tokens = await oauth.redeem(client, answer.params.code);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('refuses a client registered with requirePkce without a code challenge, by redirect, until lifted', async () => {
    const strict = await (
      await service.request('/api/admin/clients', {
        method: 'POST',
        body: JSON.stringify({
          companyId,
          name: 'Strict',
          redirectUris: ['https://strict.example/cb'],
          requirePkce: true,
        }),
      })
    ).json();
    const ask = (extra: Record<string, string> = {}) =>
      oauth.authorize({ client_id: strict.clientId, redirect_uri: 'https://strict.example/cb', state: 'x', ...extra });
    const refused = await ask();
    expect(refused.status).toBe(302);
    expect(refused.params).toMatchObject({ error: 'invalid_request', state: 'x' });
    expect(refused.params.code).toBeUndefined();
    const { challenge } = pkcePair();
    expect((await ask({ code_challenge: challenge, code_challenge_method: 'S256' })).params.code).toEqual(
      expect.any(String),
    );
    const lifted = await service.request(`/api/admin/clients/${strict.clientId}/pkce`, {
      method: 'PUT',
      body: JSON.stringify({ requirePkce: false }),
    });
    expect(lifted.status).toBe(200);
    expect((await ask()).params.code).toEqual(expect.any(String));
  });

  it('under REQUIRE_PKCE=true, refuses any client without a code challenge', async () => {
    const strictServer = await startApp({ REQUIRE_PKCE: 'true' });
    try {
      const fixture = new OAuthFixture(strictServer);
      const client = await fixture.client(await fixture.company('Strict server'));
      const refused = await fixture.authorize({ client_id: client.clientId, redirect_uri: client.redirectUris[0] });
      expect(refused.params).toMatchObject({ error: 'invalid_request' });
      const { verifier, challenge } = pkcePair();
      const code = await fixture.code(client, { code_challenge: challenge, code_challenge_method: 'S256' });
      expect((await fixture.redeem(client, code, { code_verifier: verifier })).access_token).toEqual(
        expect.any(String),
      );
    } finally {
      await strictServer.close();
    }
  });
});
