import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import { type RunningApp, startApp } from '../support/running-app';

/**
 * The service driven only by standard, unmodified client libraries: oauth4webapi (discovery,
 * authorization response validation, token, refresh, introspection, revocation) and jose (access
 * token verification against the published JWKS). Nothing here builds a token request by hand:
 * if the library accepts the server's answers, any conforming client will.
 */
describe('a standard OAuth client library (oauth4webapi + jose) against the running service', () => {
  // The service runs over plain http on a loopback port; oauth4webapi wants to be told that is fine.
  const insecure = { [oauth.allowInsecureRequests]: true } as const;
  const AUDIENCE = 'airisk-api';
  const REDIRECT_URI = 'https://broker.example.com/oauth/callback';
  const PUBLIC_REDIRECT_URI = 'http://127.0.0.1:7000/callback';
  const USER_ID = 'user_standard_client';

  let service: RunningApp;
  let as: oauth.AuthorizationServer;
  let issuer: string;
  let confidential: oauth.Client;
  let basic: oauth.ClientAuth;
  let publicClient: oauth.Client;
  let agentId: string;

  /** An admin API write that must succeed; answers the body. */
  async function admin(path: string, body: unknown, status = 201): Promise<Record<string, unknown>> {
    const response = await service.request(path, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(status);
    return response.json();
  }

  /** What a promise was rejected with (undefined when it resolved). */
  const rejection = (attempt: Promise<unknown>): Promise<unknown> =>
    attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );

  beforeAll(async () => {
    // The default has no refresh reuse grace: presenting a rotated refresh token again is reuse at once.
    service = await startApp({ KEY_ACTIVATION_DELAY_SECONDS: '0' });
    issuer = service.baseUrl;
    const company = await admin('/api/admin/companies', { name: 'Standard Client Ltd', userLicenses: 2 });
    const agent = await admin(`/api/admin/companies/${company.id as string}/agents`, {
      name: 'Underwriting Assistant',
    });
    agentId = agent.agentId as string;
    const registered = await admin('/api/admin/clients', {
      companyId: company.id,
      name: 'Broker Portal',
      redirectUris: [REDIRECT_URI],
      scopes: ['audit:read'],
    });
    confidential = { client_id: registered.clientId as string };
    basic = oauth.ClientSecretBasic(registered.clientSecret as string);
    const registeredPublic = await admin('/api/admin/clients', {
      companyId: company.id,
      name: 'Field App',
      type: 'public',
      redirectUris: [PUBLIC_REDIRECT_URI],
      allowUserTokens: false,
    });
    expect(registeredPublic.clientSecret).toBeNull();
    publicClient = { client_id: registeredPublic.clientId as string, token_endpoint_auth_method: 'none' };
    await admin('/api/admin/users', {
      id: USER_ID,
      companyId: company.id,
      email: 'standard.client@example.com',
      firstName: 'Stan',
      lastName: 'Dard',
      role: 'user',
    });
    await admin(`/api/admin/users/${USER_ID}/agents`, { agentId }, 200);

    as = await oauth.processDiscoveryResponse(
      new URL(issuer),
      await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure }),
    );
  });
  afterAll(async () => service?.close());

  /**
   * The browser leg: the authorization URL as a client builds it, fetched without following the
   * redirect (there is no login page), and the 302's Location, which is the client's callback.
   */
  async function authorizationRedirect(
    client: oauth.Client,
    redirectUri: string,
    parameters: Record<string, string>,
  ): Promise<URL> {
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    return location;
  }

  interface CodeFlow {
    readonly tokens: oauth.TokenEndpointResponse;
    /** What the client kept to redeem the code: replaying it must fail. */
    readonly callback: URLSearchParams;
    readonly verifier: string;
  }

  /** Authorization code with PKCE S256, exactly as the library documents it. */
  async function codeFlow(
    client: oauth.Client,
    clientAuth: oauth.ClientAuth,
    options: { redirectUri?: string; scope?: string; userid?: string } = {},
  ): Promise<CodeFlow> {
    const redirectUri = options.redirectUri ?? REDIRECT_URI;
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const extra: Record<string, string> = options.userid ? { userid: options.userid } : {};
    const redirect = await authorizationRedirect(client, redirectUri, {
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(options.scope ? { scope: options.scope } : {}),
      ...extra,
    });
    // Checks `state`, and `iss` against the discovered issuer (RFC 9207); throws on an error response.
    const callback = oauth.validateAuthResponse(as, client, redirect, state);
    expect(callback.get('code')).toEqual(expect.any(String));
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      callback,
      redirectUri,
      verifier,
      {
        ...insecure,
        additionalParameters: extra,
      },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    return { tokens, callback, verifier };
  }

  /** What a resource server does: verify against the JWKS as published now (a fresh fetch each time). */
  async function verifyAccessToken(token: string): Promise<jose.JWTVerifyResult & jose.ResolvedKey> {
    return jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(as.jwks_uri!)), {
      issuer,
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
  }

  async function publishedKids(): Promise<string[]> {
    const response = await fetch(as.jwks_uri!);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as jose.JSONWebKeySet;
    return keys.map((key) => key.kid!);
  }

  /** The access token is a verifiable RFC 9068 JWT good for about an hour; answers its claims. */
  async function expectValidAccessToken(tokens: oauth.TokenEndpointResponse): Promise<jose.JWTPayload> {
    expect(tokens.token_type).toBe('bearer');
    // `exp` is whole seconds, so the lifetime left at answer time is 3600 or, past the half second, 3599.
    expect([3599, 3600]).toContain(tokens.expires_in);
    const { payload, protectedHeader } = await verifyAccessToken(tokens.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    expect(await publishedKids()).toContain(protectedHeader.kid);
    const now = Math.floor(Date.now() / 1000);
    expect(payload.iat).toBeGreaterThanOrEqual(now - 10);
    expect(payload.iat).toBeLessThanOrEqual(now + 1);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload).toMatchObject({ iss: issuer, aud: AUDIENCE, jti: expect.any(String) });
    expect(payload.jti!.length).toBeGreaterThan(0);
    return payload;
  }

  async function introspect(token: string): Promise<oauth.IntrospectionResponse> {
    const response = await oauth.introspectionRequest(as, confidential, basic, token, insecure);
    return oauth.processIntrospectionResponse(as, confidential, response);
  }

  async function refresh(
    client: oauth.Client,
    clientAuth: oauth.ClientAuth,
    refreshToken: string,
  ): Promise<oauth.TokenEndpointResponse> {
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, insecure);
    return oauth.processRefreshTokenResponse(as, client, response);
  }

  /** A refusal the library surfaces as an RFC 6749 §5.2 error body. */
  async function expectOAuthError(attempt: Promise<unknown>, error: string, status = 400): Promise<void> {
    const thrown = await rejection(attempt);
    expect(thrown).toBeInstanceOf(oauth.ResponseBodyError);
    expect(thrown).toMatchObject({ error, status });
  }

  it('discovers the server (RFC 8414) with the issuer it is reached at', async () => {
    const response = await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure });
    expect(new URL(response.url).pathname).toBe('/.well-known/oauth-authorization-server');
    const metadata = await oauth.processDiscoveryResponse(new URL(issuer), response);
    expect(metadata).toEqual(as);
    expect(metadata).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/api/oauth2`,
      token_endpoint: `${issuer}/api/oauth2/token`,
      revocation_endpoint: `${issuer}/api/oauth2/revoke`,
      introspection_endpoint: `${issuer}/api/oauth2/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_response_iss_parameter_supported: true,
      response_types_supported: ['code'],
    });
    expect(metadata.code_challenge_methods_supported).toContain('S256');
    expect(metadata.code_challenge_methods_supported).not.toContain('plain');
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
    );
    expect(metadata.introspection_endpoint_auth_methods_supported).toContain('client_secret_basic');
    expect(metadata.revocation_endpoint_auth_methods_supported).toContain('client_secret_basic');
  });

  it('runs authorization code + PKCE S256 with client_secret_basic; the access token verifies against the JWKS', async () => {
    const { tokens, callback, verifier } = await codeFlow(confidential, basic);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // Admin and audit scopes never come through the browser (client_credentials only), and no
    // scope is no `scope` at all (RFC 6749 §3.3: one or more tokens).
    expect(tokens).not.toHaveProperty('scope');
    const payload = await expectValidAccessToken(tokens);
    expect(payload).toMatchObject({ sub: confidential.client_id, client_id: confidential.client_id });
    expect(payload).not.toHaveProperty('scope');
    expect(payload).not.toHaveProperty('userid');

    // The code is spent: the same redemption again is refused.
    const replay = await oauth.authorizationCodeGrantRequest(
      as,
      confidential,
      basic,
      callback,
      REDIRECT_URI,
      verifier,
      {
        ...insecure,
      },
    );
    await expectOAuthError(oauth.processAuthorizationCodeResponse(as, confidential, replay), 'invalid_grant');
  });

  it('binds the code to its PKCE challenge: a different code_verifier is refused', async () => {
    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const redirect = await authorizationRedirect(confidential, REDIRECT_URI, {
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = oauth.validateAuthResponse(as, confidential, redirect, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      confidential,
      basic,
      callback,
      REDIRECT_URI,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    await expectOAuthError(oauth.processAuthorizationCodeResponse(as, confidential, response), 'invalid_grant');
  });

  it('issues a user token when both requests carry the AIRisk userid', async () => {
    const { tokens } = await codeFlow(confidential, basic, { userid: USER_ID });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const payload = await expectValidAccessToken(tokens);
    expect(payload).toMatchObject({
      sub: USER_ID,
      client_id: confidential.client_id,
      userid: USER_ID,
      role: 'user',
      agents: [agentId],
    });
  });

  it('rotates refresh tokens: a new one each time, and presenting the spent one is refused and ends the grant', async () => {
    const { tokens } = await codeFlow(confidential, basic, { userid: USER_ID });
    const first = tokens.refresh_token!;
    const firstClaims = await expectValidAccessToken(tokens);

    const refreshed = await refresh(confidential, basic, first);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    const claims = await expectValidAccessToken(refreshed);
    expect(claims.jti).not.toBe(firstClaims.jti);
    expect(claims).toMatchObject({ sub: USER_ID, userid: USER_ID, client_id: confidential.client_id });

    // Reuse of the spent refresh token (no grace period configured) …
    await expectOAuthError(refresh(confidential, basic, first), 'invalid_grant');
    // … revokes the whole grant (RFC 9700 §4.14.2): the rotated token and its access token end too.
    await expectOAuthError(refresh(confidential, basic, refreshed.refresh_token!), 'invalid_grant');
    expect(await introspect(refreshed.refresh_token!)).toEqual({ active: false });
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
  });

  it('introspects (RFC 7662) both tokens as active, and as inactive once the refresh token is revoked (RFC 7009)', async () => {
    const { tokens } = await codeFlow(confidential, basic, { userid: USER_ID });
    const claims = await expectValidAccessToken(tokens);

    const access = await introspect(tokens.access_token);
    expect(access).toMatchObject({
      active: true,
      sub: USER_ID,
      client_id: confidential.client_id,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      iss: issuer,
      aud: AUDIENCE,
      userid: USER_ID,
    });
    const refreshToken = await introspect(tokens.refresh_token!);
    expect(refreshToken).toMatchObject({
      active: true,
      sub: USER_ID,
      client_id: confidential.client_id,
      exp: expect.any(Number),
    });
    expect(access).not.toHaveProperty('scope');
    expect(refreshToken).not.toHaveProperty('scope');
    // The refresh token outlives the access token.
    expect(refreshToken.exp!).toBeGreaterThan(claims.exp!);

    const revoked = await oauth.revocationRequest(as, confidential, basic, tokens.refresh_token!, insecure);
    expect(await oauth.processRevocationResponse(revoked)).toBeUndefined();

    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect(await introspect(tokens.refresh_token!)).toEqual({ active: false });
    await expectOAuthError(refresh(confidential, basic, tokens.refresh_token!), 'invalid_grant');
    // Revoking again, or revoking something unknown, is still a success (RFC 7009 §2.2).
    const again = await oauth.revocationRequest(as, confidential, basic, tokens.refresh_token!, insecure);
    expect(await oauth.processRevocationResponse(again)).toBeUndefined();
  });

  it('runs client_credentials with client_secret_basic: an access token and no refresh token', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      confidential,
      basic,
      { scope: 'audit:read' },
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, confidential, response);
    expect(tokens).not.toHaveProperty('refresh_token');
    expect(tokens.scope).toBe('audit:read');
    const payload = await expectValidAccessToken(tokens);
    expect(payload).toMatchObject({
      sub: confidential.client_id,
      client_id: confidential.client_id,
      scope: 'audit:read',
    });
    expect(payload).not.toHaveProperty('userid');
    expect(await introspect(tokens.access_token)).toMatchObject({
      active: true,
      sub: confidential.client_id,
      client_id: confidential.client_id,
      exp: payload.exp,
    });
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      confidential,
      oauth.ClientSecretBasic('not-the-secret'),
      {},
      insecure,
    );
    const thrown = await rejection(oauth.processClientCredentialsResponse(as, confidential, response));
    // RFC 6749 §5.2: a 401 with a WWW-Authenticate challenge for the scheme the client used, which the
    // library surfaces as such, the `invalid_client` body left unread for the caller.
    expect(thrown).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = thrown as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'airisk-identity' } }]);
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('serves a public client with no secret (auth method none) using PKCE', async () => {
    const { tokens } = await codeFlow(publicClient, oauth.None(), { redirectUri: PUBLIC_REDIRECT_URI });
    const payload = await expectValidAccessToken(tokens);
    expect(payload).toMatchObject({ sub: publicClient.client_id, client_id: publicClient.client_id });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await refresh(publicClient, oauth.None(), tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expectValidAccessToken(refreshed);
  });

  it('sends a public client that omits PKCE back to its redirect URI with error=invalid_request', async () => {
    const state = oauth.generateRandomState();
    const redirect = await authorizationRedirect(publicClient, PUBLIC_REDIRECT_URI, { state });
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.has('code')).toBe(false);
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('iss')).toBe(issuer);
    const thrown = (() => {
      try {
        oauth.validateAuthResponse(as, publicClient, redirect, state);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // State and iss check out, so the library reports the server's error as such.
    expect(thrown).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect(thrown).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('keeps verifying tokens across a key rotation: old key still published, new tokens signed with the new kid', async () => {
    const clientCredentials = async () =>
      oauth.processClientCredentialsResponse(
        as,
        confidential,
        await oauth.clientCredentialsGrantRequest(as, confidential, basic, {}, insecure),
      );
    const before = await clientCredentials();
    const { protectedHeader: oldHeader } = await verifyAccessToken(before.access_token);
    expect(await publishedKids()).toEqual([oldHeader.kid]);

    const rotated = await service.request('/api/admin/keys/rotate', { method: 'POST' });
    expect(rotated.status).toBe(200);
    const { kid: newKid } = (await rotated.json()) as { kid: string };
    expect(newKid).not.toBe(oldHeader.kid);
    expect((await publishedKids()).sort()).toEqual([oldHeader.kid, newKid].sort());

    // A token issued before the rotation still verifies against the JWKS as published now.
    const old = await verifyAccessToken(before.access_token);
    expect(old.protectedHeader.kid).toBe(oldHeader.kid);
    expect(await introspect(before.access_token)).toMatchObject({ active: true });

    // Tokens issued after it carry the new kid (no activation delay configured) and verify too.
    const after = await clientCredentials();
    const fresh = await expectValidAccessToken(after);
    const { protectedHeader: newHeader } = await verifyAccessToken(after.access_token);
    expect(newHeader.kid).toBe(newKid);
    expect(fresh.client_id).toBe(confidential.client_id);
    const user = await codeFlow(confidential, basic, { userid: USER_ID });
    expect((await verifyAccessToken(user.tokens.access_token)).protectedHeader.kid).toBe(newKid);
  });
});
