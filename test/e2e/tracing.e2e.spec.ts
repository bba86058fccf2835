import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../support/oauth-fixtures';
import {
  childEnvironment,
  exited,
  SERVER_ENTRY,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/** One span as an OTLP/JSON export carries it, its attributes flattened to plain values. */
interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly scope: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** An OTLP attribute value (`{ stringValue }`, `{ intValue }`, …) as a plain value. */
function plain(value: Json): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributesOf(list: Json[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }: Json) => [key, plain(value)]));
}

/**
 * A small OTLP/HTTP trace receiver on loopback, as a collector would listen: `POST /v1/traces`
 * with OTLP/JSON bodies (the service is told `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`: decoding
 * protobuf here would need the OTLP schema compiled into the test), answered `200 {}`.
 */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly resources: Record<string, unknown>[] = [];
  /** Every body received, as sent: what must never hold a secret. */
  readonly bodies: string[] = [];
  readonly refused: string[] = [];
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (
        request.method !== 'POST' ||
        request.url !== '/v1/traces' ||
        !/json/.test(request.headers['content-type'] ?? '')
      ) {
        this.refused.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
        response.writeHead(404).end();
        return;
      }
      this.bodies.push(body);
      const exported: Json = JSON.parse(body);
      for (const resourceSpans of exported.resourceSpans ?? []) {
        this.resources.push(attributesOf(resourceSpans.resource?.attributes));
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            this.spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              scope: scopeSpans.scope?.name,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** The spans received once `found` picks something out of them, within `withinMs`. */
  async waitFor<T>(found: (spans: readonly ReceivedSpan[]) => T | undefined, withinMs = 10_000): Promise<T> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const result = found(this.spans);
      if (result !== undefined) return result;
      if (Date.now() > deadline) throw new Error(`not received within ${withinMs} ms: ${this.names()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  names(): string {
    return this.spans.map((span) => span.name).join(', ');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const ADMIN_KEY = 'tracing-e2e-admin-key-'.padEnd(48, 'k');
const JSON_BODY = { 'content-type': 'application/json' };

/** A company and a confidential client, through the admin API. */
async function registerClient(service: ServerProcess): Promise<{ clientId: string; clientSecret: string }> {
  const admin = { ...JSON_BODY, authorization: `Bearer ${ADMIN_KEY}` };
  const post = async (path: string, body: unknown): Promise<Json> => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  };
  const company = await post('/api/admin/companies', { name: 'Traced Ltd' });
  return post('/api/admin/clients', {
    companyId: company.id,
    name: 'Traced client',
    redirectUris: ['https://app.example.com/cb'],
  });
}

async function clientCredentialsToken(
  service: ServerProcess,
  client: { clientId: string; clientSecret: string },
): Promise<string> {
  const response = await fetch(`${service.baseUrl}/api/oauth2/token`, {
    method: 'POST',
    headers: JSON_BODY,
    body: JSON.stringify({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: 'client_credentials',
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Json).access_token;
}

function logLines(service: ServerProcess): Json[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

async function stop(service: ServerProcess): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  await exited(service.child);
}

/**
 * OpenTelemetry traces (issue #14): the built service exports spans to an OTLP/HTTP endpoint when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and loads nothing of OpenTelemetry when it is not.
 */
describe('OpenTelemetry traces', () => {
  const receivers: OtlpReceiver[] = [];
  const services: ServerProcess[] = [];

  afterEach(async () => {
    for (const service of services.splice(0)) {
      service.child.kill('SIGKILL');
      await exited(service.child);
    }
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  async function traced(
    environment: Record<string, string>,
  ): Promise<{ receiver: OtlpReceiver; service: ServerProcess }> {
    const receiver = new OtlpReceiver();
    receivers.push(receiver);
    const endpoint = await receiver.start();
    const service = await startServerProcess({
      DATA_DIR: temporaryDirectory(),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...environment,
    });
    services.push(service);
    return { receiver, service };
  }

  it('exports a token request as one trace: the route-named server span, the append, the signature; projections in traces of their own', async () => {
    const { receiver, service } = await traced({
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e',
    });
    const client = await registerClient(service);
    const accessToken = await clientCredentialsToken(service, client);
    // A route served through Nest, with a query whose values must not be exported.
    const state = 'state-value-5d1c9e';
    // A person's address and browser (a public client runs on the user's device): personal data,
    // which no trace may carry (architecture §4.1).
    const device = { 'User-Agent': 'DeviceBrowser/7.3 (e2e-5d1c9e)', 'X-Forwarded-For': '203.0.113.77' };
    const authorize = await fetch(
      `${service.baseUrl}/api/oauth2?${new URLSearchParams({ client_id: client.clientId, redirect_uri: 'https://app.example.com/cb', state })}`,
      { redirect: 'manual', headers: device },
    );
    expect(authorize.status).toBe(302);

    const server = await receiver.waitFor((spans) => spans.find((span) => span.name === 'POST /api/oauth2/token'));
    const inTrace = (name: string) =>
      receiver.waitFor((spans) => spans.find((span) => span.traceId === server.traceId && span.name === name));
    const append = await inTrace('event-store append');
    const signature = await inTrace('sign access token');
    const authorizeSpan = await receiver.waitFor((spans) => spans.find((span) => span.name === 'GET /api/oauth2'));
    // The projections apply the token's event in a read-store transaction of their own: they run
    // from the store's subscription, not inside the request. The span names what it wrote.
    const transaction = await receiver.waitFor((spans) =>
      spans.find(
        (span) =>
          span.name === 'read-store transaction' &&
          String(span.attributes['airisk.read_store.collections']).split(',').includes('grants_v3'),
      ),
    );

    expect(server.attributes).toMatchObject({
      'http.route': '/api/oauth2/token',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
    });
    expect(server.parentSpanId).toBeUndefined();
    expect(server.scope).toBe('@opentelemetry/instrumentation-http');
    // The append is the grant command's, inside the request (through the command bus): a descendant.
    const byId = new Map(receiver.spans.map((span) => [span.spanId, span]));
    const ancestorsOf = (span: ReceivedSpan): string[] => {
      const names: string[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? ''))
        names.push(parent.name);
      return names;
    };
    expect(ancestorsOf(append)).toContain('POST /api/oauth2/token');
    expect(append.attributes).toMatchObject({
      'airisk.store.kind': 'sqlite',
      'airisk.event_store.event_count': 1,
      'airisk.event_store.expected_revision': 'no_stream',
    });
    expect(append.attributes['airisk.event_store.stream']).toMatch(/^grant-/);
    expect(ancestorsOf(signature)).toContain('POST /api/oauth2/token');
    expect(signature.attributes['airisk.key.kid']).toEqual(expect.any(String));
    expect(transaction.traceId).not.toBe(server.traceId);
    expect(transaction.attributes).toEqual({
      'airisk.store.kind': 'sqlite',
      'airisk.read_store.collections': expect.stringMatching(/^(\w+,)*projection_checkpoints(,\w+)*$/),
    });
    expect(transaction.parentSpanId).toBeUndefined();

    // The query's names, never its values.
    expect(authorizeSpan.attributes['http.route']).toBe('/api/oauth2');
    expect(authorizeSpan.attributes['url.query']).toBe('client_id=REDACTED&redirect_uri=REDACTED&state=REDACTED');
    // The resource: the default service name, and OTEL_RESOURCE_ATTRIBUTES as the SDK reads it.
    expect(receiver.resources[0]).toMatchObject({
      'service.name': 'airisk-identity',
      'deployment.environment.name': 'e2e',
    });
    // Probes start no trace (the readiness polls that waited for the service to start).
    expect(receiver.spans.filter((span) => /health/.test(span.name))).toEqual([]);

    // Nothing secret anywhere in what was exported: not the client secret, not the token, not the query's values.
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(client.clientSecret);
    expect(exported).not.toContain(accessToken);
    expect(exported).not.toContain(accessToken.split('.')[2]);
    expect(exported).not.toContain(state);
    expect(exported).not.toContain('DeviceBrowser');
    expect(exported).not.toContain('203.0.113.77');
    expect(authorizeSpan.attributes).not.toHaveProperty('user_agent.original');
    expect(authorizeSpan.attributes).not.toHaveProperty('client.address');
    expect(authorizeSpan.attributes).not.toHaveProperty('network.peer.address');
    expect(receiver.refused).toEqual([]);

    // The request's log lines carry its trace.
    const requestLines = logLines(service).filter((line) => line.req?.url === '/api/oauth2/token');
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.every((line) => line.trace_id === server.traceId && /^[0-9a-f]{16}$/.test(line.span_id))).toBe(
      true,
    );
  }, 60_000);

  it("names an email reservation's stream by its category alone, in the request's path too", async () => {
    const { receiver, service } = await traced({ OTEL_BSP_SCHEDULE_DELAY: '100' });
    const admin = { ...JSON_BODY, authorization: `Bearer ${ADMIN_KEY}` };
    const company: Json = await (
      await fetch(`${service.baseUrl}/api/admin/companies`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Reserved Ltd' }),
      })
    ).json();
    const registered = await fetch(`${service.baseUrl}/api/admin/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        companyId: company.id,
        email: 'ruth@reserved.example',
        firstName: 'Ruth',
        lastName: 'R',
        role: 'user',
      }),
    });
    expect(registered.status).toBe(201);
    const listed = await fetch(`${service.baseUrl}/api/admin/audit/events?category=useremail`, { headers: admin });
    const [reservation] = ((await listed.json()) as Json).items;
    const pseudonym = (reservation.stream as string).slice('useremail-'.length);
    expect(pseudonym).toMatch(/^[0-9a-f]{64}$/);
    // As the audit page opens it, and with a letter escaped (the router decodes it).
    for (const path of [`useremail-${pseudonym}`, `user%65mail-${pseudonym}`]) {
      const history = await fetch(`${service.baseUrl}/api/admin/audit/streams/${path}`, { headers: admin });
      expect(history.status).toBe(200);
    }

    const reads = await receiver.waitFor((spans) => {
      const found = spans.filter((span) => span.name === 'GET /api/admin/audit/streams/:stream');
      return found.length === 2 ? found : undefined;
    });
    expect(reads.map((span) => span.attributes['url.path'])).toEqual([
      '/api/admin/audit/streams/useremail-…',
      '/api/admin/audit/streams/useremail-…',
    ]);
    await receiver.waitFor((spans) =>
      spans.find((span) => span.attributes['airisk.event_store.stream'] === 'useremail-…'),
    );
    expect(receiver.bodies.join('\n')).not.toContain(pseudonym);
  }, 60_000);

  it('exports the last spans on a graceful stop', async () => {
    // A batch delay far beyond the test: only the shutdown's flush can export them.
    const { receiver, service } = await traced({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const client = await registerClient(service);
    await clientCredentialsToken(service, client);
    expect(receiver.spans).toEqual([]);
    await stop(service);
    expect(service.child.exitCode).toBe(0);
    const server = receiver.spans.find((span) => span.name === 'POST /api/oauth2/token');
    expect(server).toBeDefined();
    expect(receiver.spans.filter((span) => span.traceId === server!.traceId).map((span) => span.name)).toEqual(
      expect.arrayContaining(['event-store append', 'sign access token']),
    );
  }, 60_000);

  it('patches the versions of http, pino, mongodb and @grpc/grpc-js the service loads', () => {
    // The instrumentations patch only the versions they declare: a client library upgraded past
    // their range would be left untraced without a word. Checked in a process of its own, as the
    // service starts (jest's module loader bypasses the require hook they patch through).
    const dist = join(SERVER_ENTRY, '..');
    const script = `
      require(${JSON.stringify(join(dist, 'platform/event-store/esdb-event-store.js'))});
      require(${JSON.stringify(join(dist, 'platform/read-store/mongo-read-store.js'))});
      const grpc = require(require.resolve('@grpc/grpc-js', { paths: [require.resolve('@kurrent/kurrentdb-client')] }));
      const { Connection } = require('mongodb/lib/cmap/connection.js');
      const pino = require('pino');
      console.log(JSON.stringify({
        http: Boolean(require('node:http').Server.prototype.emit.__wrapped),
        grpc: Boolean(grpc.Client.prototype.makeUnaryRequest.__wrapped && grpc.Client.prototype.makeServerStreamRequest.__wrapped),
        mongodb: Boolean(Connection.prototype.command.__wrapped),
        pino: typeof pino()[pino.symbols.mixinSym] === 'function',
      }));`;
    const patched = execFileSync(
      process.execPath,
      ['--require', join(dist, 'platform/tracing/start.js'), '-e', script],
      {
        env: childEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }),
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(patched)).toEqual({ http: true, grpc: true, mongodb: true, pino: true });
  });

  it('refuses to start with an endpoint that is not a URL, naming the variable', async () => {
    // The SDK alone would fall back to its default endpoint, saying so only at OTEL_LOG_LEVEL=warn.
    await expect(
      startServerProcess({
        DATA_DIR: temporaryDirectory(),
        ADMIN_API_KEY: ADMIN_KEY,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
      }),
    ).rejects.toThrow(
      /server exited with 1:\s*invalid configuration:\n {2}- OTEL_EXPORTER_OTLP_ENDPOINT is not an http\(s\) URL/,
    );
  });

  it('loads no OpenTelemetry package without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const directory = temporaryDirectory();
    const loaded = join(directory, 'loaded-modules.json');
    // Preloaded into the service: the modules it has loaded, written as it exits.
    const preload = join(directory, 'list-loaded-modules.js');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    const service = await startServerProcess({
      DATA_DIR: join(directory, 'data'),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--require ${preload}`,
      // Everything else a traced deployment sets, the endpoint excepted.
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'airisk-identity',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    services.push(service);
    const client = await registerClient(service);
    await clientCredentialsToken(service, client);
    await stop(service);
    expect(service.child.exitCode).toBe(0);

    const modules = JSON.parse(readFileSync(loaded, 'utf8')) as string[];
    expect(modules.some((path) => path.endsWith(join('dist', 'main.js')))).toBe(true);
    // The API alone, which prom-client loads itself for its exemplars: a no-op with no SDK behind it.
    const packages = new Set(modules.map((path) => /node_modules\/(@opentelemetry\/[^/]+)\//.exec(path)?.[1]));
    packages.delete(undefined);
    expect([...packages]).toEqual(['@opentelemetry/api']);
    expect(modules.filter((path) => path.includes(join('dist', 'platform', 'tracing', 'sdk.js')))).toEqual([]);
    const lines = logLines(service);
    expect(lines.some((line) => line.req?.url === '/api/oauth2/token')).toBe(true);
    expect(lines.filter((line) => 'trace_id' in line)).toEqual([]);
  }, 60_000);
});
