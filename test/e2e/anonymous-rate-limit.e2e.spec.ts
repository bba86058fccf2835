import { request as httpRequest } from 'node:http';
import { type Client, OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/** A GET from a chosen loopback address (Linux routes all of 127.0.0.0/8 to this host). */
function getFrom(localAddress: string, url: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { localAddress }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'] });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('requests that prove nothing are limited per address and per client', () => {
  const LIMIT = 5;
  let service: RunningApp;
  let oauth: OAuthFixture;
  let portal: Client;
  let other: Client;
  const authorizeUrl = (client: Client) =>
    `${service.baseUrl}/api/oauth2?${new URLSearchParams({ client_id: client.clientId, redirect_uri: client.redirectUris[0] })}`;

  beforeAll(async () => {
    service = await startApp({ ANONYMOUS_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    oauth = new OAuthFixture(service);
    const companyId = await oauth.company('Limited');
    portal = await oauth.client(companyId, { redirectUris: ['https://portal.example/cb'] });
    other = await oauth.client(companyId, { redirectUris: ['https://other.example/cb'] });
  });
  afterAll(() => service.close());

  it('answers 429 with Retry-After past the limit for one address, and the limit holds the client id too', async () => {
    const statuses = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await getFrom('127.0.0.1', authorizeUrl(portal))).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(302), 429]);
    const refused = await getFrom('127.0.0.1', authorizeUrl(other));
    expect(refused.status).toBe(429); // the same address, whatever client it names
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Another address naming the exhausted client is refused by the client's count, not for another client.
    expect((await getFrom('127.0.0.2', authorizeUrl(portal))).status).toBe(429);
    expect((await getFrom('127.0.0.2', authorizeUrl(other))).status).toBe(302);
  });

  it('counts a path spelled with percent-escapes as the endpoint it reaches', async () => {
    const companyId = await oauth.company('Escaped');
    const client = await oauth.client(companyId, { redirectUris: ['https://escaped.example/cb'] });
    const escaped = authorizeUrl(client).replace('/api/oauth2?', '/api/oauth%32?');
    const statuses = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await getFrom('127.0.0.3', escaped)).status);
    expect(statuses).toEqual(Array(LIMIT).fill(302));
    expect((await getFrom('127.0.0.3', escaped)).status).toBe(429);
    expect((await getFrom('127.0.0.3', authorizeUrl(client))).status).toBe(429);
  });

  it('never counts a client that authenticates with its secret', async () => {
    const statuses = [];
    for (let i = 0; i < LIMIT * 3; i++) {
      const { response } = await oauth.token({ ...oauth.credentials(portal), grant_type: 'client_credentials' });
      statuses.push(response.status);
    }
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('counts token requests without a secret, answering RFC 6749 JSON', async () => {
    const fresh = await startApp({ ANONYMOUS_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    try {
      const anonymous = new OAuthFixture(fresh);
      const answers: Awaited<ReturnType<OAuthFixture['token']>>[] = [];
      for (let i = 0; i < LIMIT + 1; i++) {
        answers.push(await anonymous.token({ client_id: `someone-${i}`, grant_type: 'client_credentials' }));
      }
      expect(answers.map((answer) => answer.response.status)).toEqual([...Array(LIMIT).fill(401), 429]);
      const last = answers[LIMIT];
      expect(last.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(last.response.headers.get('retry-after')).toMatch(/^\d+$/);
      // The token endpoint spelled with an escape is the token endpoint, past the same limit.
      const escaped = await fetch(`${fresh.baseUrl}/api/oauth2/%74oken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'someone-else', grant_type: 'client_credentials' }),
      });
      expect(escaped.status).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});
