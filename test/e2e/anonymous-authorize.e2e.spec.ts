import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Client, OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/** Bytes of every file under `directory`: the stores with their WAL files, the keys. */
function bytesUnder(directory: string): number {
  return readdirSync(directory, { withFileTypes: true }).reduce((total, entry) => {
    const path = join(directory, entry.name);
    return total + (entry.isDirectory() ? bytesUnder(path) : statSync(path).size);
  }, 0);
}

/**
 * The authorization endpoint answers anyone who knows a client id and its redirect URI: what it
 * gives out must cost the service nothing durable. A code is sealed with its binding, and the
 * grant is recorded only when a client authenticates to redeem it.
 */
describe('the authorization endpoint, for anonymous callers', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let portal: Client;

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    const companyId = await oauth.company('Anonymous callers');
    portal = await oauth.client(companyId, { redirectUris: ['https://portal.example/cb'] });
  });
  afterAll(() => service.close());

  it('answers 1,000 code requests without appending an event or growing the data directory', async () => {
    const head = await oauth.head();
    const bytes = bytesUnder(service.dataDir);
    const query = new URLSearchParams({ client_id: portal.clientId, redirect_uri: portal.redirectUris[0] });
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => fetch(`${service.baseUrl}/api/oauth2?${query}`, { redirect: 'manual' })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(302);
        expect(new URL(answer.headers.get('location')!).searchParams.get('code')).toMatch(/^ac1\./);
      }
    }
    expect(await oauth.head()).toBe(head);
    expect(bytesUnder(service.dataDir) - bytes).toBeLessThan(100 * 1024);
  });

  it('gives no code to a HEAD request', async () => {
    const query = new URLSearchParams({ client_id: portal.clientId, redirect_uri: portal.redirectUris[0] });
    const answer = await fetch(`${service.baseUrl}/api/oauth2?${query}`, { method: 'HEAD', redirect: 'manual' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
    expect(answer.headers.get('location')).toBeNull();
  });

  it('records the code’s issuance with its redemption, once a client redeems it', async () => {
    const head = await oauth.head();
    const code = await oauth.code(portal);
    expect(await oauth.typesSince(head)).toEqual([]);
    await oauth.redeem(portal, code);
    expect(await oauth.typesSince(head)).toEqual([
      'AuthorizationCodeIssued',
      'AuthorizationCodeRedeemed',
      'TokenIssued',
    ]);
  });

  it('lets a code die with a disable or secret rotation of its client before it is redeemed', async () => {
    const code = await oauth.code(portal);
    const rotation = await service.request(`/api/admin/clients/${portal.clientId}/secret`, { method: 'POST' });
    expect(rotation.status).toBe(200);
    const rotated = { ...portal, clientSecret: (await rotation.json()).clientSecret as string };
    const { response, body } = await oauth.token({
      ...oauth.credentials(rotated),
      code,
      redirect_uri: portal.redirectUris[0],
    });
    expect({ status: response.status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    portal = rotated;
  });
});
