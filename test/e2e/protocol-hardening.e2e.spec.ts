import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../src/config/app-config';
import { FINGERPRINT_SECRET_FILE, keyFingerprint } from '../../src/platform/auth/admin-api-key';
import { EventStore, type RecordedEvent } from '../../src/platform/event-store/event-store';
import { type Client, grantIdOf, OAuthFixture, pkcePair } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/**
 * Issue #11, protocol and data: redirect URIs registered exactly as they will be used, loopback
 * ports (RFC 8252 §7.3), who the audit envelope says acted and under which ids, the admin key's
 * fingerprint, and each client's PKCE requirement.
 */
describe('protocol and data hardening', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  const events = () => service.app.get(EventStore);
  const grantEvents = (refreshToken: string) => events().readStream(`grant-${grantIdOf(refreshToken)}`);
  const registerClient = (body: Record<string, unknown>) =>
    service.request('/api/admin/clients', {
      method: 'POST',
      body: JSON.stringify({ companyId, name: 'Hardening', redirectUris: [], ...body }),
    });

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Hardening Ltd');
  });
  afterAll(() => service.close());

  describe('redirect URIs', () => {
    it.each([
      ['a scheme without slashes', 'https:evil.example/cb'],
      ['a backslash', 'https://app.example\\cb'],
      ['a hexadecimal loopback address', 'http://0x7f.1/cb'],
      ['an upper-case host', 'https://APP.example/cb'],
      ['a response parameter in its query', 'https://app.example/cb?state=fixed'],
      ['an error parameter in its query', 'https://app.example/cb?error=access_denied'],
    ])('refuses at registration %s, appending nothing', async (_, uri) => {
      const before = await oauth.head();
      const registered = await registerClient({ redirectUris: [uri] });
      expect(registered.status).toBe(400);
      expect(await registered.json()).toMatchObject({ code: 'invalid_redirect_uri' });
      expect(await oauth.head()).toBe(before);
    });

    it('refuses an added redirect URI written unlike its serialization', async () => {
      const client = await oauth.client(companyId);
      const added = await service.request(`/api/admin/clients/${client.clientId}/redirect-uris`, {
        method: 'POST',
        body: JSON.stringify({ uri: 'https://app.example:443/cb' }),
      });
      expect(added.status).toBe(400);
      expect(await added.json()).toMatchObject({ code: 'invalid_redirect_uri' });
    });

    it('answers a loopback IP redirect URI on the port of the request, and redeems the code there (RFC 8252 §7.3)', async () => {
      const native = await oauth.client(companyId, { redirectUris: ['http://127.0.0.1/callback'] });
      const redirectUri = 'http://127.0.0.1:53682/callback';
      const answer = await oauth.authorize({ client_id: native.clientId, redirect_uri: redirectUri, state: 's' });
      expect(answer.status).toBe(302);
      expect(`${answer.location!.origin}${answer.location!.pathname}`).toBe(redirectUri);
      const tokens = await oauth.redeem(native, answer.params.code, { redirect_uri: redirectUri });
      expect(tokens.access_token).toEqual(expect.any(String));
    });

    it('keeps exact matching for localhost (RFC 8252 §8.3)', async () => {
      const native = await oauth.client(companyId, { redirectUris: ['http://localhost:8400/callback'] });
      const answer = await oauth.authorize({
        client_id: native.clientId,
        redirect_uri: 'http://localhost:8401/callback',
      });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeNull();
    });
  });

  describe('the audit envelope', () => {
    let confidential: Client;
    let spa: Client;

    beforeAll(async () => {
      confidential = await oauth.client(companyId);
      spa = await oauth.client(companyId, { type: 'public', redirectUris: ['https://spa.example/cb'] });
    });

    it('records a public client’s token request as anonymous, acting through the client', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await oauth.code(spa, { code_challenge: challenge, code_challenge_method: 'S256' });
      const tokens = await oauth.redeem(spa, code, { code_verifier: verifier });
      const recorded = await grantEvents(tokens.refresh_token!);
      expect(recorded.length).toBeGreaterThan(0);
      for (const event of recorded) expect(event.metadata.actor).toEqual({ kind: 'anonymous', id: spa.clientId });

      const refreshed = await oauth.refresh(spa, tokens.refresh_token!);
      expect(refreshed.response.status).toBe(200);
      expect((await grantEvents(tokens.refresh_token!)).at(-1)!.metadata.actor.kind).toBe('anonymous');
    });

    it('records a confidential client that authenticated as the client', async () => {
      const tokens = await oauth.tokens(confidential);
      for (const event of await grantEvents(tokens.refresh_token!)) {
        expect(event.metadata.actor).toEqual({ kind: 'client', id: confidential.clientId });
      }
    });

    it('keeps a caller’s X-Request-Id apart from the correlation id, which the server chooses', async () => {
      const code = await oauth.code(confidential);
      const first = await oauth.token(
        { ...oauth.credentials(confidential), code, redirect_uri: confidential.redirectUris[0] },
        { headers: { 'x-request-id': 'same-id' } },
      );
      const second = await oauth.token(
        { ...oauth.credentials(confidential), grant_type: 'client_credentials' },
        { headers: { 'x-request-id': 'same-id' } },
      );
      expect([first.response.status, second.response.status]).toEqual([200, 200]);
      const recorded: RecordedEvent[] = (await events().readAll({ limit: 100_000 })).filter(
        (event) => event.metadata.requestId === 'same-id',
      );
      const correlations = new Set(recorded.map((event) => event.metadata.correlationId));
      expect(recorded.length).toBeGreaterThanOrEqual(2);
      expect(correlations.size).toBe(2); // one per request, though the caller gave both the same id
      expect(correlations.has('same-id')).toBe(false);
      for (const event of recorded) expect(event.metadata.causationId).toBe(event.metadata.correlationId);
    });

    it('filters the audit trail by the anonymous actor kind', async () => {
      const answer = await service.request(`/api/admin/audit/events?actorKind=anonymous&clientId=${spa.clientId}`);
      expect(answer.status).toBe(200);
      const { items } = await answer.json();
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.actor).toEqual({ kind: 'anonymous', id: spa.clientId });
      const scanned = await service.request('/api/admin/audit/events?actorKind=anonymous&limit=1000');
      expect(scanned.status).toBe(200);
    });
  });

  describe('the admin key fingerprint', () => {
    const sha256Prefix = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);
    const adminActorOf = async (app: RunningApp) => {
      const created = await app.request('/api/admin/companies', {
        method: 'POST',
        body: JSON.stringify({ name: 'Fingerprinted' }),
      });
      const [event] = await app.app.get(EventStore).readStream(`company-${(await created.json()).id}`);
      return event.metadata.actor;
    };

    it('is an HMAC under a secret kept (0600) beside the signing keys, not a hash anyone can check offline', async () => {
      const actor = await adminActorOf(service);
      const file = join(
        AppConfig.fromEnvironment({ DATA_DIR: service.dataDir }).signingKeysDir,
        FINGERPRINT_SECRET_FILE,
      );
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(actor.id).not.toBe(`api-key:${sha256Prefix(service.adminKey)}`);
      expect(actor).toEqual({ kind: 'admin', id: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) });
    });

    it('stays the same across restarts on the same data directory', async () => {
      const first = await startApp();
      const before = await adminActorOf(first);
      await first.close();
      const again = await startApp({ DATA_DIR: first.dataDir });
      try {
        expect(await adminActorOf(again)).toEqual(before);
      } finally {
        await again.close();
      }
    });

    it('is keyed by AUDIT_FINGERPRINT_SECRET when set, so instances without a shared directory agree', async () => {
      const secret = 'fingerprint-secret-'.padEnd(40, 'f');
      const [one, two] = await Promise.all([
        startApp({ AUDIT_FINGERPRINT_SECRET: secret }),
        startApp({ AUDIT_FINGERPRINT_SECRET: secret }),
      ]);
      try {
        const expected = `api-key:${keyFingerprint(one.adminKey, Buffer.from(secret))}`;
        expect(expected).not.toBe(`api-key:${sha256Prefix(one.adminKey)}`);
        expect((await adminActorOf(one)).id).toBe(expected);
        expect((await adminActorOf(two)).id).toBe(expected);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });

  describe('each client’s PKCE requirement', () => {
    it('is off by default for confidential clients, on when registered so, and always on for public ones', async () => {
      const plain = await (await registerClient({})).json();
      const strict = await (await registerClient({ requirePkce: true })).json();
      const spa = await (await registerClient({ type: 'public', allowUserTokens: false })).json();
      expect([plain.requirePkce, strict.requirePkce, spa.requirePkce]).toEqual([false, true, true]);
      const [registered] = await events().readStream(`client-${strict.clientId}`);
      expect(registered.data).toMatchObject({ requirePkce: true });
    });

    it('changes with PUT /clients/:id/pkce, recorded once, honouring If-Match', async () => {
      const { clientId } = await (await registerClient({})).json();
      const path = `/api/admin/clients/${clientId}/pkce`;
      const put = (requirePkce: unknown, headers: Record<string, string> = {}) =>
        service.request(path, { method: 'PUT', body: JSON.stringify({ requirePkce }), headers });

      const stale = await put(true, { 'if-match': '"7"' });
      expect(stale.status).toBe(412);
      const required = await put(true, { 'if-match': '"0"' });
      expect(required.status).toBe(200);
      expect(await required.json()).toMatchObject({ clientId, requirePkce: true });
      expect(required.headers.get('etag')).toBe('"1"');
      expect((await put(true)).status).toBe(200); // already so: nothing recorded
      expect((await put('yes')).status).toBe(400);
      const recorded = await events().readStream(`client-${clientId}`);
      expect(recorded.map((event) => event.type)).toEqual(['ClientRegistered', 'ClientPkceRequirementChanged']);
      expect(recorded[1].data).toEqual({ clientId, requirePkce: true, changedAt: expect.any(String) });
      expect(await (await service.request(`/api/admin/clients/${clientId}`)).json()).toMatchObject({
        requirePkce: true,
      });
    });

    it('cannot be lifted from a public client', async () => {
      const { clientId } = await (await registerClient({ type: 'public', allowUserTokens: false })).json();
      const before = await oauth.head();
      const lifted = await service.request(`/api/admin/clients/${clientId}/pkce`, {
        method: 'PUT',
        body: JSON.stringify({ requirePkce: false }),
      });
      expect(lifted.status).toBe(409);
      expect(await lifted.json()).toMatchObject({ code: 'public_client' });
      expect(await oauth.head()).toBe(before);
    });
  });
});
