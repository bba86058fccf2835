import { randomUUID } from 'node:crypto';
import { EventStore, type RecordedEvent } from '../../src/platform/event-store/event-store';
import { type RunningApp, startApp } from '../support/running-app';
import {
  type Client,
  decodeJwt,
  grantIdOf,
  grantIdOfCode,
  type Json,
  JWT,
  OAuthFixture,
  OPAQUE,
  SEALED_CODE,
  serialize,
  type TokenSet,
} from '../support/oauth-fixtures';

const EXPIRATION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const INACTIVE = { active: false };

/** `expiration` is whole seconds, about an hour ahead; `expires_in` counts the seconds to that same instant. */
function expectAnHourAhead(tokens: Json): void {
  const expiration = Date.parse(tokens.expiration);
  expect(Math.abs(expiration - (Date.now() + 3600_000))).toBeLessThan(5_000);
  expect([3599, 3600]).toContain(tokens.expires_in);
  expect(Math.abs(expiration - (Date.now() + tokens.expires_in * 1000))).toBeLessThan(2_000);
  expect(decodeJwt(tokens.access_token).payload.exp * 1000).toBe(expiration);
}

/**
 * The AIRisk API OAuth2 flow exactly as its documentation shows it, over plain HTTP: authorize
 * without `response_type`, a token request without `grant_type` at `/api/oauth2/Token`, JSON or
 * form, credentials in the body; the generic token lists users, the user token names one. Then
 * what the documentation leaves to standards: single-use codes, refresh rotation with reuse
 * detection, revocation, and the cascades of disabling a client, rotating its secret or
 * deactivating a user — each checked by introspection.
 */
describe('the AIRisk OAuth2 flow over HTTP', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  let otherCompanyId: string;
  let agentId: string;
  /** The integrator's APIUser. */
  let portal: Client;
  /** A resource server of the same company: it introspects everyone's tokens. */
  let resourceServer: Client;
  let alice: Json; // user tokens; holds an agent
  let bob: Json;
  let erin: Json; // deactivated by a cascade test
  let carol: Json; // deactivated before anything starts
  let dave: Json; // another company's user

  const events = () => service.app.get(EventStore);
  const expectActive = async (token: string) =>
    expect(await oauth.introspect(resourceServer, token)).toMatchObject({ active: true });
  const expectInactive = async (token: string) =>
    expect(await oauth.introspect(resourceServer, token)).toEqual(INACTIVE);
  const listed = (user: Json) => ({
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    role: user.role,
  });
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

  beforeAll(async () => {
    // The default refresh reuse grace (none): presenting a rotated refresh token again is reuse.
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('AIRisk Customer Ltd');
    otherCompanyId = await oauth.company('Someone Else Ltd');
    agentId = await oauth.agent(companyId, 'Underwriting Assistant');
    portal = await oauth.client(companyId, {
      redirectUris: ['https://portal.example.com/oauth/callback', 'https://portal.example.com/other'],
    });
    resourceServer = await oauth.client(companyId, { redirectUris: ['https://api.example.com/cb'] });
    alice = await oauth.user(companyId, {
      id: 'user_42',
      firstName: 'Alice',
      lastName: 'Archer',
      role: 'company_admin',
    });
    bob = await oauth.user(companyId, { firstName: 'Bob', lastName: 'Baker', role: 'monitor' });
    erin = await oauth.user(companyId, { firstName: 'Erin', lastName: 'Evans' });
    carol = await oauth.user(companyId, { firstName: 'Carol', lastName: 'Cole' });
    await oauth.admin('POST', `/api/admin/users/${carol.id}/deactivate`);
    dave = await oauth.user(otherCompanyId, { firstName: 'Dave', lastName: 'Dunn' });
  });
  afterAll(async () => service?.close());

  let first: { state: string; code: string; tokens?: TokenSet };

  it('authorizes without response_type: a 302 to the redirect URI with the code, the state unchanged and iss', async () => {
    const state = randomUUID();
    const redirectUri = portal.redirectUris[0];
    const answer = await oauth.authorize({ client_id: portal.clientId, redirect_uri: redirectUri, state });
    expect(answer.status).toBe(302);
    expect(answer.response.headers.get('cache-control')).toBe('no-store');
    expect(`${answer.location!.origin}${answer.location!.pathname}`).toBe(redirectUri);
    expect(answer.params).toEqual({ code: expect.stringMatching(SEALED_CODE), state, iss: service.baseUrl });
    const metadata = await (await service.request('/.well-known/oauth-authorization-server', { auth: false })).json();
    expect(answer.params.iss).toBe(metadata.issuer);
    first = { state, code: answer.params.code };
  });

  it('exchanges the code at /api/oauth2/Token with a JSON body, no grant_type, credentials in the body', async () => {
    const { response, body } = await oauth.token(
      {
        client_id: portal.clientId,
        client_secret: portal.clientSecret,
        redirect_uri: portal.redirectUris[0],
        code: first.code,
      },
      { path: '/api/oauth2/Token' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      access_token: expect.stringMatching(JWT),
      expiration: expect.stringMatching(EXPIRATION),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(OPAQUE),
    });
    expectAnHourAhead(body);
    expect(grantIdOf(body.refresh_token)).toBe(grantIdOfCode(service.dataDir, first.code));
    first.tokens = body;
    await expectActive(body.access_token);
  });

  it('exchanges a code sent form-encoded just the same', async () => {
    const code = await oauth.code(portal, { state: randomUUID() });
    const { response, body } = await oauth.token(
      { client_id: portal.clientId, client_secret: portal.clientSecret!, redirect_uri: portal.redirectUris[0], code },
      { form: true, path: '/api/oauth2/Token' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      access_token: expect.stringMatching(JWT),
      expiration: expect.stringMatching(EXPIRATION),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(OPAQUE),
    });
    expectAnHourAhead(body);
    await expectActive(body.access_token);
  });

  it('lists the company’s active users, and only those, with the generic token', async () => {
    const response = await oauth.listUsers(`Bearer ${first.tokens!.access_token}`);
    expect(response.status).toBe(200);
    const users: Json[] = await response.json();
    expect([...users].sort(byId)).toEqual([alice, bob, erin].map(listed).sort(byId));
    for (const user of users)
      expect(Object.keys(user).sort()).toEqual(['email', 'firstName', 'id', 'lastName', 'role']);
    expect(users.map((user) => user.id)).not.toContain(carol.id);
    expect(users.map((user) => user.id)).not.toContain(dave.id);
    // The generic token names the application, not a user.
    const { payload } = decodeJwt(first.tokens!.access_token);
    expect(payload).toMatchObject({ sub: portal.clientId, client_id: portal.clientId, company_id: companyId });
    expect(payload).not.toHaveProperty('userid');
  });

  it('runs the flow again for a chosen user: the user token names the user, role, agents and company', async () => {
    await oauth.admin('POST', `/api/admin/users/${alice.id}/agents`, { agentId });
    const state = randomUUID();
    const answer = await oauth.authorize({
      client_id: portal.clientId,
      redirect_uri: portal.redirectUris[0],
      state,
      userid: alice.id,
    });
    expect(answer.status).toBe(302);
    expect(answer.params).toEqual({ code: expect.stringMatching(SEALED_CODE), state, iss: service.baseUrl });
    // The older page: the second token request carries the generic token as a Bearer header.
    const { response, body } = await oauth.token(
      {
        client_id: portal.clientId,
        client_secret: portal.clientSecret,
        redirect_uri: portal.redirectUris[0],
        code: answer.params.code,
        userid: alice.id,
      },
      { path: '/api/oauth2/Token', headers: { authorization: `Bearer ${first.tokens!.access_token}` } },
    );
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expiration: expect.stringMatching(EXPIRATION) });

    const jwks = await (await service.request('/.well-known/jwks.json', { auth: false })).json();
    const { header, payload } = decodeJwt(body.access_token);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0].kid });
    expect(payload).toMatchObject({
      iss: service.baseUrl,
      sub: alice.id,
      userid: alice.id,
      role: 'company_admin',
      agents: [agentId],
      company_id: companyId,
      client_id: portal.clientId,
    });
    expect(payload.exp - payload.iat).toBe(3600);

    for (const path of ['/api/ListUsers', '/api/Users/ListUsers']) {
      const listedUsers = await oauth.listUsers(`Bearer ${body.access_token}`, path);
      expect(listedUsers.status).toBe(200);
      expect(((await listedUsers.json()) as Json[]).sort(byId)).toEqual([alice, bob, erin].map(listed).sort(byId));
    }
    expect(await oauth.introspect(resourceServer, body.access_token)).toMatchObject({
      active: true,
      sub: alice.id,
      userid: alice.id,
      client_id: portal.clientId,
      company_id: companyId,
    });
  });

  it('gives a user token without the Bearer header as well', async () => {
    const tokens = await oauth.tokens(portal, bob.id);
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({
      sub: bob.id,
      userid: bob.id,
      role: 'monitor',
      agents: [],
    });
  });

  it('refuses a replayed code and revokes everything the first redemption issued', async () => {
    const code = await oauth.code(portal);
    const tokens = await oauth.redeem(portal, code);
    await expectActive(tokens.access_token);
    await expectActive(tokens.refresh_token!);
    expect((await oauth.listUsers(`Bearer ${tokens.access_token}`)).status).toBe(200);

    const { response, body } = await oauth.token({
      ...oauth.credentials(portal),
      code,
      redirect_uri: portal.redirectUris[0],
    });
    expect(response.status).toBe(400);
    expect(body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });

    await expectInactive(tokens.access_token);
    await expectInactive(tokens.refresh_token!);
    const listing = await oauth.listUsers(`Bearer ${tokens.access_token}`);
    expect(listing.status).toBe(401);
    expect(listing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await oauth.refresh(portal, tokens.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });
    const recorded = await events().readStream(`grant-${grantIdOfCode(service.dataDir, code)}`);
    expect(recorded.at(-1)).toMatchObject({ type: 'TokenRevoked', data: { reason: 'code_reuse' } });
  });

  it('lets exactly one of 20 concurrent redemptions of a code succeed', async () => {
    const code = await oauth.code(portal);
    const body = { ...oauth.credentials(portal), code, redirect_uri: portal.redirectUris[0] };
    const answers = await Promise.all(Array.from({ length: 20 }, () => oauth.token(body)));
    const statuses = answers.map(({ response }) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(19);
    for (const answer of answers.filter(({ response }) => response.status !== 200)) {
      expect(answer.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    }
    const types = (await events().readStream(`grant-${grantIdOfCode(service.dataDir, code)}`)).map(
      (event) => event.type,
    );
    expect(types.filter((type) => type === 'TokenIssued')).toHaveLength(1);
    expect(types.filter((type) => type === 'AuthorizationCodeRedeemed')).toHaveLength(1);
  });

  it('rotates refresh tokens; presenting a spent one revokes the whole family', async () => {
    const initial = await oauth.tokens(portal);
    const second = await oauth.refresh(portal, initial.refresh_token!);
    expect(second.response.status).toBe(200);
    expect(second.response.headers.get('cache-control')).toBe('no-store');
    expect(second.body).toEqual({
      access_token: expect.stringMatching(JWT),
      expiration: expect.stringMatching(EXPIRATION),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(OPAQUE),
    });
    expectAnHourAhead(second.body);
    expect(second.body.refresh_token).not.toBe(initial.refresh_token);
    await expectInactive(initial.refresh_token!); // spent
    await expectActive(second.body.refresh_token);

    const third = await oauth.refresh(portal, second.body.refresh_token);
    expect(third.response.status).toBe(200);
    await expectActive(third.body.access_token);
    await expectActive(third.body.refresh_token);

    // The first refresh token again, well past the (zero) grace period.
    const reuse = await oauth.refresh(portal, initial.refresh_token!);
    expect(reuse.response.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });

    await expectInactive(third.body.access_token);
    await expectInactive(third.body.refresh_token);
    await expectInactive(second.body.access_token);
    await expectInactive(initial.access_token);
    const newest = await oauth.refresh(portal, third.body.refresh_token);
    expect(newest.response.status).toBe(400);
    expect(newest.body).toMatchObject({ error: 'invalid_grant' });
    expect((await oauth.listUsers(`Bearer ${third.body.access_token}`)).status).toBe(401);

    const recorded = await events().readStream(`grant-${grantIdOf(initial.refresh_token!)}`);
    expect(recorded.map((event) => event.type)).toEqual([
      'AuthorizationCodeIssued',
      'AuthorizationCodeRedeemed',
      'TokenIssued',
      'RefreshTokenRotated',
      'RefreshTokenRotated',
      'TokenRevoked',
    ]);
    expect(recorded.at(-1)!.data).toMatchObject({ reason: 'refresh_reuse' });
  });

  it('ends a client’s tokens when it is disabled; re-enabling does not bring them back', async () => {
    const client = await oauth.client(companyId);
    const before = await oauth.tokens(client);
    const userToken = await oauth.tokens(client, bob.id);
    await expectActive(before.access_token);
    await expectActive(before.refresh_token!);

    await oauth.admin('POST', `/api/admin/clients/${client.clientId}/disable`);
    await expectInactive(before.access_token);
    await expectInactive(before.refresh_token!);
    await expectInactive(userToken.access_token);
    expect((await oauth.listUsers(`Bearer ${before.access_token}`)).status).toBe(401);
    const whileDisabled = await oauth.authorize({ client_id: client.clientId, redirect_uri: client.redirectUris[0] });
    expect(whileDisabled.status).toBe(401);
    expect(whileDisabled.location).toBeNull();

    await oauth.admin('POST', `/api/admin/clients/${client.clientId}/enable`);
    await expectInactive(before.access_token);
    await expectInactive(before.refresh_token!);
    await expectInactive(userToken.access_token);
    expect((await oauth.refresh(client, before.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });
    const after = await oauth.tokens(client);
    await expectActive(after.access_token);
    await expectActive(after.refresh_token!);
    expect((await oauth.listUsers(`Bearer ${after.access_token}`)).status).toBe(200);
  });

  it('ends a client’s tokens when its secret is rotated, and refuses the old secret', async () => {
    const client = await oauth.client(companyId);
    const before = await oauth.tokens(client);
    await expectActive(before.access_token);
    const pendingCode = await oauth.code(client);

    const rotated = await oauth.admin('POST', `/api/admin/clients/${client.clientId}/secret`);
    oauth.issued.push(rotated.clientSecret);
    await expectInactive(before.access_token);
    await expectInactive(before.refresh_token!);

    const oldSecret = await oauth.token({
      ...oauth.credentials(client),
      code: pendingCode,
      redirect_uri: client.redirectUris[0],
    });
    expect(oldSecret.response.status).toBe(401);
    expect(oldSecret.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(oldSecret.response.headers.get('www-authenticate')).toBeTruthy();

    const renewed: Client = { ...client, clientSecret: rotated.clientSecret };
    const after = await oauth.tokens(renewed);
    await expectActive(after.access_token);
    await expectInactive(before.access_token);
  });

  it('ends a user’s tokens when the user is deactivated; the application’s generic token lives on', async () => {
    const userToken = await oauth.tokens(portal, erin.id);
    const generic = await oauth.tokens(portal);
    await expectActive(userToken.access_token);

    await oauth.admin('POST', `/api/admin/users/${erin.id}/deactivate`);
    await expectInactive(userToken.access_token);
    await expectInactive(userToken.refresh_token!);
    expect((await oauth.listUsers(`Bearer ${userToken.access_token}`)).status).toBe(401);
    expect((await oauth.refresh(portal, userToken.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });

    await expectActive(generic.access_token);
    await expectActive(generic.refresh_token!);
    const listing = await oauth.listUsers(`Bearer ${generic.access_token}`);
    expect(listing.status).toBe(200);
    expect(((await listing.json()) as Json[]).map((user) => user.id).sort()).toEqual([alice.id, bob.id].sort());
  });

  it('revokes the whole grant when the client revokes its access token (RFC 7009)', async () => {
    const tokens = await oauth.tokens(portal);
    const response = await oauth.revoke(portal, tokens.access_token);
    expect(response.status).toBe(200);
    await expectInactive(tokens.access_token);
    await expectInactive(tokens.refresh_token!);
    expect((await oauth.refresh(portal, tokens.refresh_token!)).body).toMatchObject({ error: 'invalid_grant' });
    expect((await oauth.listUsers(`Bearer ${tokens.access_token}`)).status).toBe(401);
  });

  it('revokes the whole grant when the client revokes its refresh token', async () => {
    const tokens = await oauth.tokens(portal, alice.id);
    const response = await oauth.revoke(portal, tokens.refresh_token!);
    expect(response.status).toBe(200);
    await expectInactive(tokens.refresh_token!);
    await expectInactive(tokens.access_token);
    expect((await oauth.listUsers(`Bearer ${tokens.access_token}`)).status).toBe(401);
  });

  it('answers 200 and changes nothing for an unknown token or another client’s token', async () => {
    const theirs = await oauth.tokens(resourceServer);
    const before = await oauth.head();
    for (const token of [
      'not-a-token',
      `${randomUUID()}.${'A'.repeat(43)}`,
      theirs.access_token,
      theirs.refresh_token!,
    ]) {
      const response = await oauth.revoke(portal, token);
      expect(response.status).toBe(200);
    }
    expect(await oauth.head()).toBe(before);
    await expectActive(theirs.access_token);
    await expectActive(theirs.refresh_token!);
  });

  it('records a grant’s life, event by event, as the client’s doing', async () => {
    const code = await oauth.code(portal);
    const tokens = await oauth.redeem(portal, code);
    const refreshed = await oauth.refresh(portal, tokens.refresh_token!);
    expect(refreshed.response.status).toBe(200);
    expect((await oauth.revoke(portal, refreshed.body.access_token)).status).toBe(200);

    const recorded = await events().readStream(`grant-${grantIdOfCode(service.dataDir, code)}`);
    expect(recorded.map((event) => event.type)).toEqual([
      'AuthorizationCodeIssued',
      'AuthorizationCodeRedeemed',
      'TokenIssued',
      'RefreshTokenRotated',
      'TokenRevoked',
    ]);
    for (const event of recorded) {
      expect(event.metadata).toMatchObject({
        actor: { kind: 'client', id: portal.clientId },
        companyId,
        correlationId: expect.any(String),
      });
    }
    expect(recorded[0].data).toMatchObject({
      grantId: grantIdOfCode(service.dataDir, code),
      clientId: portal.clientId,
      companyId,
      userId: null,
      redirectUri: portal.redirectUris[0],
    });
    expect(recorded[2].data).toMatchObject({
      grantType: 'authorization_code',
      jti: decodeJwt(tokens.access_token).payload.jti,
    });
    expect(recorded[4].data).toMatchObject({ reason: 'revoked_by_client' });

    // The first flow of this suite too.
    const firstTypes = (await events().readStream(`grant-${grantIdOfCode(service.dataDir, first.code)}`)).map(
      (event) => event.type,
    );
    expect(firstTypes).toEqual(['AuthorizationCodeIssued', 'AuthorizationCodeRedeemed', 'TokenIssued']);
  });

  it('never records a code, access token, refresh token or client secret in any event', async () => {
    const all: RecordedEvent[] = await events().readAll({ limit: 100_000 });
    const text = serialize(all);
    expect(all.filter((event) => event.stream.startsWith('grant-')).length).toBeGreaterThan(20);
    expect(oauth.issued.length).toBeGreaterThan(40);
    const leaked = oauth.issued.filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    // Not even the random part of an opaque value, nor a JWT's signature.
    const parts = oauth.issued.map((secret) => secret.split('.').at(-1)!);
    expect(parts.filter((part) => text.includes(part))).toEqual([]);
  });
});
