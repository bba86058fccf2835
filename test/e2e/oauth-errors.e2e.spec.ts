import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { type RunningApp, startApp } from '../support/running-app';
import type { JsonResponse } from '../support/running-app';
import {
  type AuthorizeAnswer,
  type Client,
  decodeJwt,
  type Json,
  JWT,
  OAuthFixture,
  pkcePair,
} from '../support/oauth-fixtures';

/**
 * Every refusal of the OAuth endpoints: the status and body a client sees, that nothing redirects
 * where it must not (no redirect at all for a bad client or redirect URI; only to the registered
 * URI, with `state`, for anything else), and that a refusal records nothing.
 */
describe('OAuth refusals over HTTP', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  let otherCompanyId: string;
  let confidential: Client;
  let sibling: Client; // another confidential client of the same company
  let publicClient: Client;
  let noUserTokens: Client;
  let disabled: Client;
  let adminScoped: Client;
  let foreign: Client; // a confidential client of another company
  let alice: Json;
  let bob: Json; // a second active user
  let gone: Json; // deactivated
  let outsider: Json; // another company's user

  const redirectUri = 'https://app.example.com/oauth/callback';
  const secondUri = 'https://app.example.com/oauth/second';

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Refusals Ltd');
    otherCompanyId = await oauth.company('Elsewhere Ltd');
    confidential = await oauth.client(companyId, { redirectUris: [redirectUri, secondUri], scopes: ['audit:read'] });
    sibling = await oauth.client(companyId, { redirectUris: ['https://sibling.example.com/cb'] });
    publicClient = await oauth.client(companyId, { type: 'public', redirectUris: ['http://localhost:7000/callback'] });
    noUserTokens = await oauth.client(companyId, {
      redirectUris: ['https://batch.example.com/cb'],
      allowUserTokens: false,
    });
    disabled = await oauth.client(companyId, { redirectUris: ['https://disabled.example.com/cb'] });
    await oauth.admin('POST', `/api/admin/clients/${disabled.clientId}/disable`);
    adminScoped = await oauth.client(companyId, { redirectUris: ['https://admin.example.com/cb'], scopes: ['admin'] });
    foreign = await oauth.client(otherCompanyId, { redirectUris: ['https://foreign.example.com/cb'] });
    alice = await oauth.user(companyId, { id: 'alice_1', firstName: 'Alice', lastName: 'Archer' });
    bob = await oauth.user(companyId, { firstName: 'Bob', lastName: 'Baker' });
    gone = await oauth.user(companyId, { firstName: 'Gone', lastName: 'Away' });
    await oauth.admin('POST', `/api/admin/users/${gone.id}/deactivate`);
    outsider = await oauth.user(otherCompanyId, { firstName: 'Out', lastName: 'Sider' });
  });
  afterAll(async () => service?.close());

  describe('authorization endpoint: answered directly, never redirected', () => {
    /** A problem+json answer with no Location, and nothing recorded. */
    async function expectDirect(
      params: Record<string, string | string[] | undefined>,
      status: number,
      code: string,
    ): Promise<void> {
      const before = await oauth.head();
      const answer = await oauth.authorize(params);
      expect(answer.status).toBe(status);
      expect(answer.response.headers.get('location')).toBeNull();
      expect(answer.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = await answer.response.json();
      expect(body).toMatchObject({
        type: expect.any(String),
        title: expect.any(String),
        status,
        code,
        traceId: answer.response.headers.get('x-request-id'),
      });
      expect(body.traceId).toEqual(expect.any(String));
      expect(await oauth.head()).toBe(before);
    }

    it('missing client_id → 400', async () => {
      await expectDirect({ redirect_uri: redirectUri, state: 's' }, 400, 'invalid_request');
    });

    it('unknown client_id → 401 problem+json with a traceId', async () => {
      await expectDirect({ client_id: randomUUID(), redirect_uri: redirectUri, state: 's' }, 401, 'invalid_client');
      await expectDirect({ client_id: 'not-a-client', redirect_uri: redirectUri }, 401, 'invalid_client');
    });

    it('disabled client → 401', async () => {
      await expectDirect(
        { client_id: disabled.clientId, redirect_uri: disabled.redirectUris[0], state: 's' },
        401,
        'invalid_client',
      );
    });

    it('missing redirect_uri → 400', async () => {
      await expectDirect({ client_id: confidential.clientId, state: 's' }, 400, 'invalid_request');
    });

    it.each([
      ['an unregistered URI', 'https://evil.example.com/oauth/callback'],
      ['a trailing-slash variant', `${redirectUri}/`],
      ['an extra query parameter', `${redirectUri}?next=https://evil.example.com`],
      ['a different-case host', 'https://APP.example.com/oauth/callback'],
      ['a prefix of a registered URI', 'https://app.example.com/oauth'],
      ['another client’s URI', 'https://sibling.example.com/cb'],
    ])('redirect_uri that is %s → 400, no redirect', async (_, uri) => {
      await expectDirect(
        { client_id: confidential.clientId, redirect_uri: uri, state: 's' },
        400,
        'invalid_redirect_uri',
      );
    });

    it('a duplicated client_id, redirect_uri or state → 400', async () => {
      await expectDirect(
        { client_id: [confidential.clientId, confidential.clientId], redirect_uri: redirectUri },
        400,
        'invalid_request',
      );
      await expectDirect(
        { client_id: confidential.clientId, redirect_uri: [redirectUri, redirectUri] },
        400,
        'invalid_request',
      );
      await expectDirect(
        { client_id: confidential.clientId, redirect_uri: redirectUri, state: ['a', 'b'] },
        400,
        'invalid_request',
      );
    });
  });

  describe('authorization endpoint: errors redirected to the registered URI with state', () => {
    /** A 302 to exactly the registered URI, carrying the error, its description, state and iss, and no code. */
    async function expectRedirected(
      client: Client,
      extra: Record<string, string | string[]>,
      error: string,
    ): Promise<AuthorizeAnswer> {
      const before = await oauth.head();
      const state = randomUUID();
      const answer = await oauth.authorize({
        client_id: client.clientId,
        redirect_uri: client.redirectUris[0],
        state,
        ...extra,
      });
      expect(answer.status).toBe(302);
      expect(`${answer.location!.origin}${answer.location!.pathname}`).toBe(client.redirectUris[0]);
      expect(answer.params).toEqual({
        error,
        error_description: expect.any(String),
        state,
        iss: service.baseUrl,
      });
      expect(answer.params.error_description.length).toBeGreaterThan(0);
      expect(await oauth.head()).toBe(before);
      return answer;
    }

    it('response_type=token → unsupported_response_type', async () => {
      await expectRedirected(confidential, { response_type: 'token' }, 'unsupported_response_type');
    });

    it('an unknown scope, or one the client does not have → invalid_scope', async () => {
      await expectRedirected(confidential, { scope: 'everything' }, 'invalid_scope');
      await expectRedirected(confidential, { scope: 'audit:read admin' }, 'invalid_scope');
    });

    it('an unknown userid, a deactivated user, another company’s user → invalid_request', async () => {
      await expectRedirected(confidential, { userid: 'no_such_user' }, 'invalid_request');
      await expectRedirected(confidential, { userid: gone.id }, 'invalid_request');
      await expectRedirected(confidential, { userid: outsider.id }, 'invalid_request');
    });

    it('a userid for a client not allowed user tokens → unauthorized_client', async () => {
      await expectRedirected(noUserTokens, { userid: alice.id }, 'unauthorized_client');
    });

    it('code_challenge_method=plain → invalid_request', async () => {
      const { verifier } = pkcePair();
      await expectRedirected(
        publicClient,
        { code_challenge: verifier, code_challenge_method: 'plain' },
        'invalid_request',
      );
      await expectRedirected(
        confidential,
        { code_challenge: verifier, code_challenge_method: 'plain' },
        'invalid_request',
      );
    });

    it('a public client without PKCE → invalid_request', async () => {
      await expectRedirected(publicClient, {}, 'invalid_request');
    });

    it('a repeated userid or scope → invalid_request', async () => {
      await expectRedirected(confidential, { userid: [alice.id, bob.id] }, 'invalid_request');
      await expectRedirected(confidential, { scope: ['audit:read', 'audit:read'] }, 'invalid_request');
    });

    it('keeps a state without a UUID shape exactly as sent', async () => {
      const state = 'a b&c=d/é';
      const answer = await oauth.authorize({
        client_id: confidential.clientId,
        redirect_uri: redirectUri,
        state,
        response_type: 'id_token',
      });
      expect(answer.status).toBe(302);
      expect(answer.params).toMatchObject({ error: 'unsupported_response_type', state });
    });
  });

  describe('token endpoint', () => {
    /** An RFC 6749 §5.2 error: the status, `{error, error_description}`, no-store, no redirect, nothing recorded. */
    async function expectTokenError(
      body: Record<string, unknown>,
      status: number,
      error: string,
      options: { form?: boolean; headers?: Record<string, string> } = {},
    ): Promise<JsonResponse> {
      const before = await oauth.head();
      const { response, body: answer } = await oauth.token(body, options);
      expect({ status: response.status, answer }).toEqual({
        status,
        answer: { error, error_description: expect.any(String) },
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('location')).toBeNull();
      if (status === 401) expect(response.headers.get('www-authenticate')).toBeTruthy();
      expect(await oauth.head()).toBe(before);
      return response;
    }
    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

    it('missing client_id → 400 invalid_request', async () => {
      const code = await oauth.code(confidential);
      await expectTokenError(
        { code, redirect_uri: redirectUri, client_secret: confidential.clientSecret },
        400,
        'invalid_request',
      );
    });

    it('unknown client → 401 invalid_client with WWW-Authenticate', async () => {
      const code = await oauth.code(confidential);
      await expectTokenError(
        { client_id: randomUUID(), client_secret: confidential.clientSecret, code, redirect_uri: redirectUri },
        401,
        'invalid_client',
      );
      await expectTokenError(
        { client_id: 'nobody', client_secret: 'x', code, redirect_uri: redirectUri },
        401,
        'invalid_client',
      );
    });

    it('a wrong secret, in the body or by Basic, or none → 401 invalid_client', async () => {
      const code = await oauth.code(confidential);
      const base = { code, redirect_uri: redirectUri };
      await expectTokenError(
        { ...base, client_id: confidential.clientId, client_secret: 'wrong' },
        401,
        'invalid_client',
      );
      await expectTokenError(
        { ...base, client_id: confidential.clientId, client_secret: sibling.clientSecret },
        401,
        'invalid_client',
      );
      await expectTokenError({ ...base, client_id: confidential.clientId }, 401, 'invalid_client');
      await expectTokenError(base, 401, 'invalid_client', {
        headers: { authorization: basic(confidential.clientId, 'wrong') },
      });
      // The code was not spent by any of that: the right secret, by Basic, still redeems it.
      const { response } = await oauth.token(base, {
        headers: { authorization: basic(confidential.clientId, confidential.clientSecret!) },
      });
      expect(response.status).toBe(200);
    });

    it('a disabled client → 401 invalid_client', async () => {
      await expectTokenError(
        { ...oauth.credentials(disabled), grant_type: 'client_credentials' },
        401,
        'invalid_client',
      );
    });

    it('missing code → 400 invalid_request', async () => {
      const credentials = oauth.credentials(confidential);
      await expectTokenError(
        { ...credentials, grant_type: 'authorization_code', redirect_uri: redirectUri },
        400,
        'invalid_request',
      );
      // Neither grant_type nor code: nothing says what is asked for.
      await expectTokenError({ ...credentials, redirect_uri: redirectUri }, 400, 'invalid_request');
    });

    it('a malformed, unknown or forged code → 400 invalid_grant', async () => {
      const code = await oauth.code(confidential);
      const base = { ...oauth.credentials(confidential), redirect_uri: redirectUri };
      const flipped = Buffer.from(code.slice(4), 'base64url');
      flipped[flipped.length >> 1] ^= 1;
      const forged = [`ac1.${flipped.toString('base64url')}`, `ac1.${'A'.repeat(code.length - 4)}`];
      for (const bad of ['garbage', `${randomUUID()}.${'A'.repeat(43)}`, ...forged, `${code}x`, code.slice(0, -1)]) {
        await expectTokenError({ ...base, code: bad }, 400, 'invalid_grant');
      }
      expect((await oauth.token({ ...base, code })).response.status).toBe(200);
    });

    it('a spent code → 400 invalid_grant, recording only the grant’s revocation', async () => {
      const code = await oauth.code(confidential);
      await oauth.redeem(confidential, code);
      const before = await oauth.head();
      const { response, body } = await oauth.token({
        ...oauth.credentials(confidential),
        code,
        redirect_uri: redirectUri,
      });
      expect(response.status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
      expect(await oauth.typesSince(before)).toEqual(['TokenRevoked']);
    });

    it('a code issued to another client → 400 invalid_grant, and the code stays good for its own client', async () => {
      const code = await oauth.code(confidential);
      await expectTokenError({ ...oauth.credentials(sibling), code, redirect_uri: redirectUri }, 400, 'invalid_grant');
      expect(
        (await oauth.token({ ...oauth.credentials(confidential), code, redirect_uri: redirectUri })).response.status,
      ).toBe(200);
    });

    it('redirect_uri different from the authorization request, or missing → 400 invalid_grant', async () => {
      const code = await oauth.code(confidential);
      const base = { ...oauth.credentials(confidential), code };
      await expectTokenError({ ...base, redirect_uri: secondUri }, 400, 'invalid_grant');
      await expectTokenError(base, 400, 'invalid_grant');
      await expectTokenError({ ...base, redirect_uri: `${redirectUri}/` }, 400, 'invalid_grant');
      expect((await oauth.token({ ...base, redirect_uri: redirectUri })).response.status).toBe(200);
    });

    it('a userid that differs, is missing, or was never asked for → 400 invalid_grant', async () => {
      const userCode = await oauth.code(confidential, { userid: alice.id });
      const base = { ...oauth.credentials(confidential), redirect_uri: redirectUri };
      await expectTokenError({ ...base, code: userCode, userid: bob.id }, 400, 'invalid_grant');
      await expectTokenError({ ...base, code: userCode }, 400, 'invalid_grant');
      const genericCode = await oauth.code(confidential);
      await expectTokenError({ ...base, code: genericCode, userid: alice.id }, 400, 'invalid_grant');
      const user = await oauth.token({ ...base, code: userCode, userid: alice.id });
      expect(user.response.status).toBe(200);
      expect(decodeJwt(user.body.access_token).payload).toMatchObject({ sub: alice.id, userid: alice.id });
      const generic = await oauth.token({ ...base, code: genericCode });
      expect(generic.response.status).toBe(200);
      expect(decodeJwt(generic.body.access_token).payload).not.toHaveProperty('userid');
    });

    it('PKCE: a wrong verifier → invalid_grant, a missing or malformed one → invalid_request, the right one succeeds', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await oauth.code(publicClient, { code_challenge: challenge, code_challenge_method: 'S256' });
      const base = { client_id: publicClient.clientId, code, redirect_uri: publicClient.redirectUris[0] };
      await expectTokenError({ ...base, code_verifier: pkcePair().verifier }, 400, 'invalid_grant');
      await expectTokenError(base, 400, 'invalid_request');
      await expectTokenError({ ...base, code_verifier: 'too-short' }, 400, 'invalid_request');
      await expectTokenError({ ...base, code_verifier: challenge }, 400, 'invalid_grant'); // the challenge is not the verifier
      // A public client has no secret to send.
      await expectTokenError({ ...base, code_verifier: verifier, client_secret: 'anything' }, 401, 'invalid_client');
      const { response, body } = await oauth.token({ ...base, code_verifier: verifier });
      expect(response.status).toBe(200);
      expect(body).toMatchObject({ access_token: expect.stringMatching(JWT), token_type: 'Bearer' });

      // A verifier for a code that had no challenge is refused too.
      const plainCode = await oauth.code(confidential);
      await expectTokenError(
        { ...oauth.credentials(confidential), code: plainCode, redirect_uri: redirectUri, code_verifier: verifier },
        400,
        'invalid_grant',
      );
    });

    it('an unknown grant_type → 400 unsupported_grant_type', async () => {
      const credentials = oauth.credentials(confidential);
      await expectTokenError(
        { ...credentials, grant_type: 'password', username: 'a', password: 'b' },
        400,
        'unsupported_grant_type',
      );
      await expectTokenError(
        { ...credentials, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' },
        400,
        'unsupported_grant_type',
      );
    });

    it('client_id, client_secret, code or grant_type as a JSON object or array → 400 invalid_request, not interpreted', async () => {
      const code = await oauth.code(confidential);
      const good = { ...oauth.credentials(confidential), code, redirect_uri: redirectUri };
      for (const name of ['client_id', 'client_secret', 'code', 'grant_type', 'redirect_uri']) {
        const value = (good as Record<string, unknown>)[name] ?? 'authorization_code';
        await expectTokenError({ ...good, [name]: { value } }, 400, 'invalid_request');
        await expectTokenError({ ...good, [name]: [value] }, 400, 'invalid_request');
      }
      // Nor a body that is not an object at all.
      for (const body of ['[]', '"code"', '42']) {
        const before = await oauth.head();
        const response = await fetch(`${service.baseUrl}/api/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_request' });
        expect(await oauth.head()).toBe(before);
      }
      // The code itself is still good.
      expect((await oauth.token(good)).response.status).toBe(200);
    });

    it('a repeated form field → 400 invalid_request', async () => {
      const code = await oauth.code(confidential);
      const before = await oauth.head();
      const form = new URLSearchParams({ ...oauth.credentials(confidential), redirect_uri: redirectUri });
      form.append('code', code);
      form.append('code', code);
      const response = await fetch(`${service.baseUrl}/api/oauth2/token`, { method: 'POST', body: form });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      expect(await oauth.head()).toBe(before);
    });

    it('client_credentials for a public client → 400 unauthorized_client', async () => {
      await expectTokenError(
        { client_id: publicClient.clientId, grant_type: 'client_credentials' },
        400,
        'unauthorized_client',
      );
    });

    it('client_credentials with a scope outside the client’s → 400 invalid_scope', async () => {
      const credentials = oauth.credentials(confidential);
      await expectTokenError(
        { ...credentials, grant_type: 'client_credentials', scope: 'admin' },
        400,
        'invalid_scope',
      );
      await expectTokenError(
        { ...credentials, grant_type: 'client_credentials', scope: 'nonsense' },
        400,
        'invalid_scope',
      );
    });

    it('client_credentials with the client’s own scope: a token for exactly that scope, without a refresh token', async () => {
      const { response, body } = await oauth.token({
        ...oauth.credentials(adminScoped),
        grant_type: 'client_credentials',
        scope: 'admin',
      });
      expect(response.status).toBe(200);
      expect(body).toEqual({
        access_token: expect.stringMatching(JWT),
        token_type: 'Bearer',
        expires_in: expect.any(Number),
        expiration: expect.any(String),
        scope: 'admin',
      });
      expect(decodeJwt(body.access_token).payload).toMatchObject({ scope: 'admin', sub: adminScoped.clientId });
    });

    it('a refresh token that is unknown, forged or another client’s → 400 invalid_grant', async () => {
      const theirs = await oauth.tokens(sibling);
      const credentials = { ...oauth.credentials(confidential), grant_type: 'refresh_token' };
      await expectTokenError({ ...credentials, refresh_token: 'garbage' }, 400, 'invalid_grant');
      await expectTokenError(
        { ...credentials, refresh_token: `${randomUUID()}.${'A'.repeat(43)}` },
        400,
        'invalid_grant',
      );
      await expectTokenError({ ...credentials, refresh_token: theirs.refresh_token }, 400, 'invalid_grant');
      await expectTokenError(credentials, 400, 'invalid_request');
      expect((await oauth.refresh(sibling, theirs.refresh_token!)).response.status).toBe(200);
    });
  });

  describe('introspection endpoint', () => {
    it('refuses a public client', async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      const before = await oauth.head();
      const response = await oauth.post('/api/oauth2/introspect', { client_id: publicClient.clientId, token });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'unauthorized_client', error_description: expect.any(String) });
      expect(await oauth.head()).toBe(before);
    });

    it('answers {active:false} to a client of another company for a valid token', async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      const refresh = (await oauth.tokens(confidential)).refresh_token!;
      expect(await oauth.introspect(sibling, token)).toMatchObject({ active: true });
      expect(await oauth.introspect(sibling, refresh)).toMatchObject({ active: true });
      expect(await oauth.introspect(foreign, token)).toEqual({ active: false });
      expect(await oauth.introspect(foreign, refresh)).toEqual({ active: false });
    });

    it('without client credentials → 401 invalid_client', async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      for (const body of [
        { token, client_id: confidential.clientId },
        { token, client_id: confidential.clientId, client_secret: 'wrong' },
      ]) {
        const response = await oauth.post('/api/oauth2/introspect', body);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBeTruthy();
        expect(await response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      }
    });

    it('with no credentials at all → refused, never introspected', async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      const response = await oauth.post('/api/oauth2/introspect', { token });
      // RFC 6749 §5.2: "no client authentication included" is invalid_client (401).
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      const body = await response.json();
      expect(body).not.toHaveProperty('active');
      expect(body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    });
  });

  describe('ListUsers', () => {
    let realKid: string;
    let realClaims: Json;

    beforeAll(async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      const decoded = decodeJwt(token);
      realKid = decoded.header.kid;
      realClaims = decoded.payload;
    });

    /** Signed by a key the service never had, everything else as a real token. */
    async function foreignlySigned(claims: Json): Promise<string> {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: realKid }).sign(privateKey);
    }

    async function expectUnauthorized(authorization: string | undefined): Promise<void> {
      const before = await oauth.head();
      for (const path of ['/api/Users/ListUsers', '/api/ListUsers']) {
        const response = await oauth.listUsers(authorization, path);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const body = await response.json();
        expect(body).toMatchObject({ status: 401, traceId: expect.any(String) });
        expect(Array.isArray(body)).toBe(false);
      }
      expect(await oauth.head()).toBe(before);
    }

    it('a real token works (the refusals below are about the token, not the route)', async () => {
      const token = (await oauth.tokens(confidential)).access_token;
      const response = await oauth.listUsers(`Bearer ${token}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as Json[]).map((user) => user.id).sort()).toEqual([alice.id, bob.id].sort());
    });

    it('no token → 401 with WWW-Authenticate: Bearer', async () => {
      await expectUnauthorized(undefined);
      await expectUnauthorized('Bearer ');
    });

    it('a malformed token or header → 401', async () => {
      await expectUnauthorized('Bearer not a token');
      await expectUnauthorized('Bearer abc.def.ghi');
      await expectUnauthorized('Bearer garbage');
      await expectUnauthorized(
        `Basic ${Buffer.from(`${confidential.clientId}:${confidential.clientSecret}`).toString('base64')}`,
      );
      await expectUnauthorized(`Bearer ${service.adminKey}`);
    });

    it('a refresh token or code used as a bearer token → 401', async () => {
      const tokens = await oauth.tokens(confidential);
      await expectUnauthorized(`Bearer ${tokens.refresh_token}`);
      await expectUnauthorized(`Bearer ${await oauth.code(confidential)}`);
    });

    it('a token signed by another key, even with the real kid and claims → 401', async () => {
      await expectUnauthorized(`Bearer ${await foreignlySigned(realClaims)}`);
    });

    it('an expired-looking token, or one with its payload altered → 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectUnauthorized(`Bearer ${await foreignlySigned({ ...realClaims, iat: now - 7200, exp: now - 3600 })}`);
      const real = (await oauth.tokens(confidential)).access_token;
      const [header, , signature] = real.split('.');
      const tampered = Buffer.from(JSON.stringify({ ...realClaims, company_id: otherCompanyId })).toString('base64url');
      await expectUnauthorized(`Bearer ${header}.${tampered}.${signature}`);
      const unsigned = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: realKid })).toString('base64url');
      await expectUnauthorized(`Bearer ${unsigned}.${real.split('.')[1]}.`);
    });
  });
});
