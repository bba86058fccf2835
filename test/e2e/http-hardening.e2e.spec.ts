import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/platform/logging/logger';
import { OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';
import { exited, freePort, startServerProcess } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/** Issue #11: the HTTP layer's limits, error shapes, headers and files. */

const sockets: Socket[] = [];
afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

/** A raw connection, for what `fetch` cannot do: stall, hold a socket open, watch it being closed. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

/** Everything the server sent until it closed the connection, and how long after `since` that was. */
function closing(socket: Socket, since: number, withinMs: number): Promise<{ data: string; afterMs: number }> {
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${withinMs} ms; received ${data}`)), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ data, afterMs: Date.now() - since });
    });
  });
}

/** One complete request on `socket`, kept alive; resolves with the answer's first bytes. */
function exchange(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk) => resolve(String(chunk)));
    socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bounded time to send a request, and idle keep-alive connections', () => {
  const REQUEST_TIMEOUT_MS = 1_000;
  let app: Awaited<ReturnType<typeof createApp>>;
  let port: number;
  const lines: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    port = await freePort();
    const environment = {
      DATA_DIR: temporaryDirectory(),
      ADMIN_API_KEY: 'k'.repeat(40),
      PORT: String(port),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: '1000',
    };
    const log = { write: (line: string) => void lines.push(JSON.parse(line)) };
    app = await createApp(AppConfig.fromEnvironment(environment), 'k'.repeat(40), createLogger('info', log));
    await app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(() => app?.close());

  it('cuts off a body that stalls after its first byte within REQUEST_TIMEOUT_MS, logged as a warning', async () => {
    const socket = await open(port);
    const since = Date.now();
    socket.write(
      'POST /api/admin/companies HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ' +
        'k'.repeat(40) +
        '\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{',
    );
    const { data, afterMs } = await closing(socket, since, 5_000);
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
    // Cut after 29/30 of the timeout (see server-limits.ts), with room for a busy machine's timers.
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS * 0.9);
    expect(afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 750);
    await sleep(100);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/connection closed before the request/) }),
    );
  });

  it('cuts off headers that never end, and a connection that sends nothing', async () => {
    const silent = await open(port);
    const trickling = await open(port);
    trickling.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n');
    const since = Date.now();
    const [nothing, headers] = await Promise.all([closing(silent, since, 5_000), closing(trickling, since, 5_000)]);
    expect(nothing.afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 750);
    expect(headers.afterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 750);
  });

  it('closes a keep-alive connection idle for KEEP_ALIVE_TIMEOUT_MS (and the second Node adds to what it announces)', async () => {
    const socket = await open(port);
    const answer = await exchange(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nKeep-Alive: timeout=1\r\n/);
    const { afterMs } = await closing(socket, Date.now(), 5_000);
    expect(afterMs).toBeGreaterThanOrEqual(1_000);
    expect(afterMs).toBeLessThan(2_000 + 750);
  });
});

describe('a cap on open connections', () => {
  let service: RunningApp;
  let port: number;
  beforeAll(async () => {
    service = await startApp({ MAX_CONNECTIONS: '5' });
    port = Number(new URL(service.baseUrl).port);
  });
  afterAll(() => service?.close());

  it('closes the connection beyond MAX_CONNECTIONS at once, and takes new ones when one has closed', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => open(port)));
    for (const socket of held) expect(await exchange(socket)).toMatch(/^HTTP\/1\.1 200 /);

    const sixth = await open(port);
    const refused = closing(sixth, Date.now(), 2_000);
    sixth.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect((await refused).data).toBe('');

    held[0].destroy();
    // The server counts the closed connection out when it sees the close: retry until it has.
    for (let attempt = 0; ; attempt++) {
      const next = await open(port);
      const answer = await Promise.race([exchange(next), closing(next, Date.now(), 2_000).then(() => '')]);
      if (answer) return expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      if (attempt === 20) throw new Error('no connection accepted after one of the five closed');
      await sleep(50);
    }
  });
});

describe('request bodies', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  let adminClient: { clientId: string; clientSecret: string | null };
  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Bodies Ltd');
    adminClient = await oauth.client(companyId, { redirectUris: [], scopes: ['admin'] });
  });
  afterAll(() => service?.close());

  const post = (path: string, body: string | Buffer, contentType = 'application/json') =>
    fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${service.adminKey}` },
      body,
    });
  const deep = (depth: number) => `{"name":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

  it('refuses JSON nested 3,000 deep with a 400 problem on an admin route, before validation', async () => {
    const response = await post('/api/admin/companies', deep(3_000));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 400,
      code: 'invalid_json',
      detail: expect.stringMatching(/nests deeper/),
    });
  });

  it('refuses a key given twice on admin routes', async () => {
    const response = await post('/api/admin/companies', '{"name":"First","name":"Second"}');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'invalid_json',
      detail: expect.stringMatching(/"name" twice/),
    });
  });

  describe.each(['/api/oauth2/token', '/api/oauth2/revoke', '/api/oauth2/introspect'])(
    'at %s every refusal of the body is RFC 6749 §5.2 JSON, never cached',
    (path) => {
      it.each([
        ['malformed JSON', '{"grant_type":', 'application/json', 400, /not valid JSON/],
        ['a __proto__ key', '{"__proto__":{"admin":true}}', 'application/json', 400, /not valid JSON/],
        ['JSON nested 3,000 deep', deep(3_000), 'application/json', 400, /nests deeper/],
        ['a repeated key', '{"token":"a","token":"b"}', 'application/json', 400, /"token" twice/],
        ['a body over the limit (413)', `{"token":"${'x'.repeat(200 * 1024)}"}`, 'application/json', 413, /too large/],
        ['an unsupported content type (415)', '<token/>', 'application/xml', 415, /Unsupported Media Type/],
      ])('%s', async (_, body, contentType, status, description) => {
        const response = await post(path, body, contentType);
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: expect.stringMatching(description),
        });
      });
    },
  );

  it('refuses a repeated client_secret, whichever copy is the real one', async () => {
    const { clientId, clientSecret } = adminClient;
    const body = `{"grant_type":"client_credentials","client_id":"${clientId}","client_secret":"wrong","client_secret":"${clientSecret}"}`;
    const response = await post('/api/oauth2/token', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/"client_secret" twice/),
    });
  });

  it('gives no admin token for {"scope":"","scope":"admin"}', async () => {
    const { clientId, clientSecret } = adminClient;
    const body = `{"grant_type":"client_credentials","client_id":"${clientId}","client_secret":"${clientSecret}","scope":"","scope":"admin"}`;
    const response = await post('/api/oauth2/token', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/"scope" twice/),
    });
  });
});

describe('security headers', () => {
  let service: RunningApp;
  beforeAll(async () => (service = await startApp()));
  afterAll(() => service?.close());

  const csp = (response: Response) =>
    new Map(
      (response.headers.get('content-security-policy') ?? '')
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );

  it.each([
    ['an API route', '/health/live', 200],
    ['an admin route', '/api/admin/companies', 200],
    ['an error', '/api/admin/nothing-here', 404],
  ])('on %s: nosniff, a CSP that loads and frames nothing, no referrer, no HSTS over http', async (_, path, status) => {
    const response = await service.request(path);
    expect(response.status).toBe(status);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(csp(response).get('default-src')).toBe("'none'");
    expect(csp(response).get('frame-ancestors')).toBe("'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('on /docs: a CSP the UI works with, framed nowhere, and every script and stylesheet it names loads', async () => {
    const page = await fetch(`${service.baseUrl}/docs`);
    expect(page.status).toBe(200);
    const policy = csp(page);
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // script-src 'self' runs no inline script: every script the page has must be a file of this origin.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map(([, attributes]) => attributes);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((attributes) => /\ssrc=/.test(attributes))).toBe(true);
    const assets = [...html.matchAll(/<(?:script|link)[^>]*(?:src|href)=["']([^"']+)["']/g)].map(([, url]) => url);
    for (const asset of assets) {
      const url = new URL(asset, page.url);
      expect(url.origin).toBe(service.baseUrl);
      const response = await fetch(url);
      await response.arrayBuffer(); // read whole: an unread megabyte keeps the connection busy and the close waiting
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    }
    const document = await fetch(`${service.baseUrl}/docs/json`);
    await document.arrayBuffer();
    expect(document.status).toBe(200);
  });

  it('sends HSTS when the issuer is https', async () => {
    const https = await startApp({ ISSUER: 'https://identity.example.com' });
    try {
      const response = await https.request('/health/live');
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
    } finally {
      await https.close();
    }
  });
});

describe('Cache-Control: no-store on personal data', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  let accessToken: string;
  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Private Ltd');
    await oauth.user(companyId, { firstName: 'Pat', lastName: 'Private' });
    const client = await oauth.client(companyId);
    accessToken = (await oauth.tokens(client)).access_token;
  });
  afterAll(() => service?.close());

  it.each([
    ['a list of users', 'GET', () => `/api/admin/users?companyId=${companyId}`, 200],
    ['a created company', 'POST', () => '/api/admin/companies', 201],
    ['an error', 'GET', () => '/api/admin/users/nobody', 404],
  ])('on %s', async (_, method, path, status) => {
    const body = method === 'POST' ? JSON.stringify({ name: 'Another Ltd' }) : undefined;
    const response = await service.request(path(), { method, body });
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('on a refused admin key', async () => {
    const response = await service.request('/api/admin/users', { auth: 'not-the-key' });
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it.each(['/api/Users/ListUsers', '/api/ListUsers'])('on %s, answered or refused', async (path) => {
    const listed = await oauth.listUsers(`Bearer ${accessToken}`, path);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const refused = await oauth.listUsers(undefined, path);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  // The router decodes percent-escapes: each of these reaches the route it spells.
  it.each([
    ['the admin API', '/api/%61dmin/users', 'admin'],
    ['the audit trail', '/api/%61dmin/audit/events', 'admin'],
    ['ListUsers', '/api/%4CistUsers', 'token'],
  ])('on %s, spelled %s', async (_, path, credential) => {
    const response = await service.request(path, { auth: credential === 'token' ? accessToken : true });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('not on public metadata, which caches may keep', async () => {
    const response = await fetch(`${service.baseUrl}/.well-known/oauth-authorization-server`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
  });
});

describe('the data directory of the built service', () => {
  it('is created 0700, with its SQLite files and their -wal and -shm 0600', async () => {
    const dataDir = join(temporaryDirectory(), 'data');
    const server = await startServerProcess({ DATA_DIR: dataDir });
    try {
      const mode = (name: string) => (statSync(join(dataDir, name)).mode & 0o777).toString(8);
      expect(mode('.')).toBe('700');
      for (const store of ['events.sqlite', 'read-models.sqlite']) {
        for (const file of [store, `${store}-wal`, `${store}-shm`]) {
          expect({ file, mode: mode(file) }).toEqual({ file, mode: '600' });
        }
      }
      expect(mode('admin-api-key')).toBe('600');
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  }, 30_000);
});
