import { type Client, OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/** One sample of the text exposition format: `name{label="value",…} number`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

/**
 * `GET /metrics` over HTTP: what a Prometheus server scraping the service sees after real OAuth
 * traffic, with bounded labels (route patterns, never raw paths or client ids), and the
 * `METRICS_TOKEN` protection.
 */
describe('Prometheus metrics', () => {
  describe('open (no METRICS_TOKEN)', () => {
    let service: RunningApp;
    let oauth: OAuthFixture;
    let client: Client;
    let samples: Sample[];
    let text: string;
    let contentType: string | null;

    beforeAll(async () => {
      service = await startApp();
      oauth = new OAuthFixture(service);
      const companyId = await oauth.company('Metrics Ltd');
      client = await oauth.client(companyId);
      // Issued: two authorization codes redeemed, one refresh, one client-credentials token.
      const first = await oauth.tokens(client);
      await oauth.tokens(client);
      const refreshed = await oauth.refresh(client, first.refresh_token!);
      expect(refreshed.response.status).toBe(200);
      const credentials = await oauth.token({ ...oauth.credentials(client), grant_type: 'client_credentials' });
      expect(credentials.response.status).toBe(200);
      // Refused: a wrong secret, a code that is not one, and a body that is not JSON (the body parser's refusal).
      const wrongSecret = await oauth.token({
        client_id: client.clientId,
        client_secret: 'not-the-secret',
        grant_type: 'client_credentials',
      });
      expect(wrongSecret.response.status).toBe(401);
      const badCode = await oauth.token({ ...oauth.credentials(client), grant_type: 'authorization_code', code: 'x' });
      expect(badCode.body.error).toBe('invalid_grant');
      const notJson = await fetch(`${service.baseUrl}/api/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"grant_type":',
      });
      expect(notJson.status).toBe(400);
      // A route with a parameter, and a path no route matches.
      expect((await service.request(`/api/admin/clients/${client.clientId}`)).status).toBe(200);
      expect((await service.request('/no/such/place-7f3e', { auth: false })).status).toBe(404);

      const response = await fetch(`${service.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      contentType = response.headers.get('content-type');
      text = await response.text();
      samples = samplesOf(text);
    });

    afterAll(() => service.close());

    it('answers the Prometheus text format', () => {
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    });

    it('counts the tokens issued by grant type, and the refusals by RFC 6749 error code', () => {
      expect(valueOf(samples, 'airisk_tokens_issued_total', { grant_type: 'authorization_code' })).toBe(2);
      expect(valueOf(samples, 'airisk_tokens_issued_total', { grant_type: 'refresh_token' })).toBe(1);
      expect(valueOf(samples, 'airisk_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(1);
      expect(valueOf(samples, 'airisk_token_requests_refused_total', { error: 'invalid_client' })).toBe(1);
      expect(valueOf(samples, 'airisk_token_requests_refused_total', { error: 'invalid_grant' })).toBe(1);
      expect(valueOf(samples, 'airisk_token_requests_refused_total', { error: 'invalid_request' })).toBe(1);
      const refusals = samples.filter((sample) => sample.name === 'airisk_token_requests_refused_total');
      expect(refusals.reduce((sum, sample) => sum + sample.value, 0)).toBe(3);
    });

    it('times requests by method, route pattern and status code, never by raw path', () => {
      const count = (labels: Record<string, string>) => valueOf(samples, 'http_request_duration_seconds_count', labels);
      const token = { method: 'POST', route: '/api/oauth2/token' };
      expect(count({ ...token, status_code: '200' })).toBe(4);
      expect(count({ ...token, status_code: '400' })).toBe(2);
      expect(count({ ...token, status_code: '401' })).toBe(1);
      expect(count({ method: 'GET', route: '/api/admin/clients/:clientId', status_code: '200' })).toBe(1);
      expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
      // Every bucket series of a histogram ends at +Inf with its count.
      expect(
        valueOf(samples, 'http_request_duration_seconds_bucket', { ...token, status_code: '200', le: '+Inf' }),
      ).toBe(4);
      expect(valueOf(samples, 'http_request_duration_seconds_sum', { ...token, status_code: '200' })).toBeGreaterThan(
        0,
      );
      const routes = new Set(
        samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route),
      );
      for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
    });

    it('carries no client id, company id, raw path or credential', () => {
      expect(text).not.toContain(client.clientId);
      expect(text).not.toContain(client.companyId);
      expect(text).not.toContain('place-7f3e');
      for (const credential of oauth.issued) expect(text).not.toContain(credential);
    });

    it('shows each projection and live view with its position, lag and parked events', () => {
      for (const projection of ['grants', 'companies', 'users', 'live:security']) {
        expect(valueOf(samples, 'airisk_projection_position', { projection })).toBeGreaterThan(0);
        expect(valueOf(samples, 'airisk_projection_parked_events', { projection })).toBe(0);
      }
      const lag = valueOf(samples, 'airisk_projection_lag_seconds', { projection: 'grants' });
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(10);
      expect(valueOf(samples, 'airisk_projection_lag_seconds', { projection: 'live:security' })).toBeLessThan(10);
    });

    it('times event store appends and sizes its group commits', () => {
      const appends = valueOf(samples, 'airisk_event_store_append_duration_seconds_count')!;
      // At least the company, the client, and the token issuances and rotation appended.
      expect(appends).toBeGreaterThanOrEqual(6);
      expect(valueOf(samples, 'airisk_event_store_append_duration_seconds_sum')).toBeGreaterThan(0);
      const commits = valueOf(samples, 'airisk_event_store_group_commit_size_count')!;
      expect(commits).toBeGreaterThan(0);
      expect(commits).toBeLessThanOrEqual(appends);
      expect(valueOf(samples, 'airisk_event_store_group_commit_size_sum')).toBeGreaterThanOrEqual(appends);
    });

    it("includes the process's own metrics", () => {
      expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    });

    it('counts what happens after a scrape on the next one', async () => {
      await oauth.token({ ...oauth.credentials(client), grant_type: 'client_credentials' });
      const next = samplesOf(await (await fetch(`${service.baseUrl}/metrics`)).text());
      expect(valueOf(next, 'airisk_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(2);
      expect(
        valueOf(next, 'http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status_code: '200' }),
      ).toBe(1);
    });
  });

  describe('with METRICS_TOKEN', () => {
    const token = 'metrics-token-'.padEnd(40, 'm');
    let service: RunningApp;

    beforeAll(async () => {
      service = await startApp({ METRICS_TOKEN: token });
    });

    afterAll(() => service.close());

    it('answers 401 without the token or with another, and the metrics with it', async () => {
      const scrape = (authorization?: string) =>
        fetch(`${service.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      const without = await scrape();
      expect(without.status).toBe(401);
      expect(without.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await without.text()).not.toContain('airisk_');
      expect((await scrape(`Bearer ${token.slice(0, -1)}x`)).status).toBe(401);
      expect((await scrape(`Bearer ${service.adminKey}`)).status).toBe(401);
      expect((await scrape(`Basic ${Buffer.from(`x:${token}`).toString('base64')}`)).status).toBe(401);
      const granted = await scrape(`Bearer ${token}`);
      expect(granted.status).toBe(200);
      // Its own registry: this app has issued nothing, whatever the other app in this process did.
      const samples = samplesOf(await granted.text());
      expect(valueOf(samples, 'airisk_tokens_issued_total', { grant_type: 'client_credentials' })).toBe(0);
    });
  });
});
