import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { keyFingerprint, resolveFingerprintSecret } from '../../src/platform/auth/admin-api-key';
import { EventStore, type RecordedEvent } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { createLogger } from '../../src/platform/logging/logger';
import { type Document, ReadStore } from '../../src/platform/read-store/read-store';
import { PersonalDataSecrets } from '../../src/platform/personal-data/personal-data-secrets';
import { emailReservationStream } from '../../src/users/email-reservation.decider';
import { userEvents } from '../../src/users/user.events';
import { temporaryDirectory } from '../support/temporary-directory';

/** Test bodies are whatever JSON the service sent; assertions check their shape. */
type Json = any;

/** One request and its answer, kept so the whole conversation can be searched for secrets at the end. */
interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Json;
  readonly etag: string | null;
  readonly requestId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
/** JSON of anything the stores hold, positions (bigint) included. */
const serialize = (value: unknown) =>
  JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));

/**
 * One admin's afternoon, in order: a company, its agents, clients and users, every change to them,
 * and the refusals met on the way. Every answer is checked, every write is read back, and at the end
 * the event streams, their envelopes, and every place a client secret must never reach.
 */
describe('admin story: setting up and running a company over HTTP', () => {
  const adminKey = 'story-admin-key-'.padEnd(48, 's');
  let actorId: string;
  const logLines: string[] = [];
  const exchanges: Exchange[] = [];
  let app: NestFastifyApplication;
  let baseUrl: string;

  const events = () => app.get(EventStore);
  const reservation = (companyId: string, email: string) =>
    emailReservationStream(app.get(PersonalDataSecrets).reservationKey, companyId, email);
  const head = async () => formatPosition(await events().headPosition());
  const streamTypes = async (stream: string) => (await events().readStream(stream)).map((event) => event.type);

  beforeAll(async () => {
    const dataDir = temporaryDirectory();
    const config = AppConfig.fromEnvironment({ DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, PORT: '0' });
    // The production logger (redaction, serializers) at its most verbose, writing into memory.
    const logger = createLogger('trace');
    (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
      write: (line: string) => {
        logLines.push(line);
      },
    };
    app = await createApp(config, adminKey, logger);
    actorId = `api-key:${keyFingerprint(adminKey, resolveFingerprintSecret(config))}`;
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => app?.close());

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Exchange> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const exchange: Exchange = {
      method,
      path,
      status: response.status,
      headers: response.headers,
      text,
      body: text ? JSON.parse(text) : undefined,
      etag: response.headers.get('etag'),
      requestId: response.headers.get('x-request-id'),
    };
    exchanges.push(exchange);
    return exchange;
  }

  /** The answer's ETag names the stream's last revision. */
  async function expectETagOf(exchange: Exchange, stream: string): Promise<void> {
    const recorded = await events().readStream(stream);
    expect(recorded.length).toBeGreaterThan(0);
    expect(exchange.etag).toBe(`"${recorded.length - 1}"`);
  }

  /** GET shows exactly what the write answered (minus a secret), with the same ETag. */
  async function expectReadBack(path: string, written: Exchange): Promise<Json> {
    const { clientSecret: _secret, ...expected } = written.body;
    const read = await call('GET', path);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(expected);
    expect(read.body).not.toHaveProperty('clientSecret');
    expect(read.etag).toBe(written.etag);
    return read.body;
  }

  /** A refusal: problem+json with the code, and nothing appended anywhere. */
  async function expectRefused(before: string, exchange: Exchange, status: number, code: string): Promise<void> {
    expect(exchange.status).toBe(status);
    expect(exchange.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(exchange.body).toMatchObject({ status, code, title: expect.any(String), traceId: exchange.requestId });
    expect(await head()).toBe(before);
  }

  // What the story builds, shared by the steps below.
  let company: Json;
  let agentA: Json; // custom settings; later revoked and retired
  let agentB: Json; // defaults
  let confidential: Json;
  let publicClient: Json;
  const secrets: Array<{ secret: string; issuedBy: Exchange }> = [];
  let ada: Json; // user_42
  let grace: Json; // generated id
  let third: Json; // fills the last licence
  const overLimit = { id: 'user_over_limit', email: 'over.limit@example.com' };
  const emails = { ada: 'Ada.Lovelace@Example.com', grace: 'grace.hopper@example.com', third: 'third@example.com' };
  const uris = {
    first: 'https://broker.example.com/oauth/callback',
    loopback: 'http://127.0.0.1:8765/callback',
    third: 'https://broker.example.com/oauth/second-callback',
  };

  const companyPath = () => `/api/admin/companies/${company.id}`;
  const expectActiveUsers = async (count: number) => {
    const read = await call('GET', companyPath());
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...company, activeUsers: count });
    company = read.body;
  };

  it('creates a company with 3 user licences', async () => {
    const created = await call('POST', '/api/admin/companies', { body: { name: 'Story Risk Ltd', userLicenses: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Story Risk Ltd',
      userLicenses: 3,
      activeUsers: 0,
      createdAt: ISO,
      updatedAt: created.body.createdAt,
    });
    expect(created.headers.get('location')).toBe(`/api/admin/companies/${created.body.id}`);
    company = created.body;
    await expectETagOf(created, `company-${company.id}`);
    expect(created.etag).toBe('"0"');
    await expectReadBack(companyPath(), created);
  });

  it('registers two agents: one with its own settings, one with the defaults', async () => {
    const first = await call('POST', `/api/admin/companies/${company.id}/agents`, {
      body: { name: 'Underwriting Assistant', maxMessages: 50, temperature: 0.2 },
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      agentId: expect.stringMatching(UUID),
      companyId: company.id,
      name: 'Underwriting Assistant',
      maxMessages: 50,
      temperature: 0.2,
      status: 'active',
      createdAt: ISO,
      updatedAt: first.body.createdAt,
    });
    expect(first.headers.get('location')).toBe(`/api/admin/agents/${first.body.agentId}`);
    await expectETagOf(first, `agent-${first.body.agentId}`);
    agentA = await expectReadBack(`/api/admin/agents/${first.body.agentId}`, first);

    const second = await call('POST', `/api/admin/companies/${company.id}/agents`, {
      body: { name: 'Claims Helper' },
    });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({
      agentId: expect.stringMatching(UUID),
      companyId: company.id,
      name: 'Claims Helper',
      maxMessages: 20,
      temperature: 0.7,
      status: 'active',
      createdAt: ISO,
      updatedAt: second.body.createdAt,
    });
    expect(second.body.agentId).not.toBe(agentA.agentId);
    await expectETagOf(second, `agent-${second.body.agentId}`);
    agentB = await expectReadBack(`/api/admin/agents/${second.body.agentId}`, second);

    const list = await call('GET', `/api/admin/companies/${company.id}/agents`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: expect.arrayContaining([agentA, agentB]) });
    expect(list.body.items).toHaveLength(2);
  });

  it('registers a confidential client: the secret is answered once and never read back', async () => {
    const created = await call('POST', '/api/admin/clients', {
      body: {
        companyId: company.id,
        name: 'Broker Portal',
        redirectUris: [uris.first, uris.loopback],
        scopes: ['audit:read'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      clientId: expect.stringMatching(UUID),
      companyId: company.id,
      name: 'Broker Portal',
      type: 'confidential',
      redirectUris: [uris.first, uris.loopback],
      allowUserTokens: true,
      scopes: ['audit:read'],
      requirePkce: false,
      status: 'active',
      createdAt: ISO,
      updatedAt: created.body.createdAt,
      secretRotatedAt: null,
      clientSecret: expect.stringMatching(SECRET),
    });
    expect(created.headers.get('location')).toBe(`/api/admin/clients/${created.body.clientId}`);
    expect(created.headers.get('cache-control')).toBe('no-store');
    secrets.push({ secret: created.body.clientSecret, issuedBy: created });
    await expectETagOf(created, `client-${created.body.clientId}`);
    confidential = await expectReadBack(`/api/admin/clients/${created.body.clientId}`, created);

    // Only the secret's hash is recorded.
    const [registered] = await events().readStream(`client-${confidential.clientId}`);
    expect(registered.data).toMatchObject({ secretHash: `sha256:${sha256(created.body.clientSecret)}` });
  });

  it('adds a third redirect URI, then removes the first', async () => {
    const path = `/api/admin/clients/${confidential.clientId}`;
    const added = await call('POST', `${path}/redirect-uris`, { body: { uri: uris.third } });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      ...confidential,
      redirectUris: [uris.first, uris.loopback, uris.third],
      updatedAt: ISO,
    });
    expect(added.body).not.toHaveProperty('clientSecret');
    await expectETagOf(added, `client-${confidential.clientId}`);
    expect(added.etag).toBe('"1"');
    confidential = await expectReadBack(path, added);

    const removed = await call('DELETE', `${path}/redirect-uris?uri=${encodeURIComponent(uris.first)}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ ...confidential, redirectUris: [uris.loopback, uris.third], updatedAt: ISO });
    await expectETagOf(removed, `client-${confidential.clientId}`);
    expect(removed.etag).toBe('"2"');
    confidential = await expectReadBack(path, removed);
  });

  it('registers a public client, which gets no secret', async () => {
    const created = await call('POST', '/api/admin/clients', {
      body: {
        companyId: company.id,
        name: 'Field App',
        type: 'public',
        redirectUris: ['http://localhost:7000/callback'],
        allowUserTokens: false,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      clientId: expect.stringMatching(UUID),
      companyId: company.id,
      name: 'Field App',
      type: 'public',
      redirectUris: ['http://localhost:7000/callback'],
      allowUserTokens: false,
      scopes: [],
      requirePkce: true,
      status: 'active',
      createdAt: ISO,
      updatedAt: created.body.createdAt,
      secretRotatedAt: null,
      clientSecret: null,
    });
    await expectETagOf(created, `client-${created.body.clientId}`);
    publicClient = await expectReadBack(`/api/admin/clients/${created.body.clientId}`, created);
    const [registered] = await events().readStream(`client-${publicClient.clientId}`);
    expect(registered.data).toMatchObject({ type: 'public', secretHash: null });

    const list = await call('GET', `/api/admin/clients?companyId=${company.id}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: expect.arrayContaining([confidential, publicClient]) });
    expect(list.body.items).toHaveLength(2);
  });

  it('registers a user with an AIRisk userid and one with a generated id, each taking a licence', async () => {
    const first = await call('POST', '/api/admin/users', {
      body: {
        id: 'user_42',
        companyId: company.id,
        email: emails.ada,
        firstName: 'Ada',
        lastName: 'Lovelace',
        role: 'user',
      },
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: 'user_42',
      companyId: company.id,
      email: emails.ada,
      firstName: 'Ada',
      lastName: 'Lovelace',
      role: 'user',
      status: 'active',
      agents: [],
      defaultAgentId: null,
      chatSettings: { maxMessages: null, temperature: null },
      createdAt: ISO,
      updatedAt: first.body.createdAt,
    });
    expect(first.headers.get('location')).toBe('/api/admin/users/user_42');
    await expectETagOf(first, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', first);
    await expectActiveUsers(1);

    const second = await call('POST', '/api/admin/users', {
      body: { companyId: company.id, email: emails.grace, firstName: 'Grace', lastName: 'Hopper', role: 'monitor' },
    });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({
      id: expect.stringMatching(UUID),
      companyId: company.id,
      email: emails.grace,
      firstName: 'Grace',
      lastName: 'Hopper',
      role: 'monitor',
      status: 'active',
      agents: [],
      defaultAgentId: null,
      chatSettings: { maxMessages: null, temperature: null },
      createdAt: ISO,
      updatedAt: second.body.createdAt,
    });
    expect(second.headers.get('location')).toBe(`/api/admin/users/${second.body.id}`);
    await expectETagOf(second, `user-${second.body.id}`);
    grace = await expectReadBack(`/api/admin/users/${second.body.id}`, second);
    await expectActiveUsers(2);

    const found = await call(
      'GET',
      `/api/admin/users?companyId=${company.id}&email=${encodeURIComponent('ADA.lovelace@example.COM')}`,
    );
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ items: [ada] });
  });

  it('grants both agents to user_42; granting again changes nothing', async () => {
    const grantA = await call('POST', '/api/admin/users/user_42/agents', { body: { agentId: agentA.agentId } });
    expect(grantA.status).toBe(200);
    expect(grantA.body).toEqual({ ...ada, agents: [agentA.agentId], updatedAt: ISO });
    await expectETagOf(grantA, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', grantA);

    const grantB = await call('POST', '/api/admin/users/user_42/agents', { body: { agentId: agentB.agentId } });
    expect(grantB.status).toBe(200);
    expect(grantB.body).toEqual({ ...ada, agents: [agentA.agentId, agentB.agentId], updatedAt: ISO });
    await expectETagOf(grantB, 'user-user_42');
    expect(grantB.etag).toBe('"2"');
    ada = await expectReadBack('/api/admin/users/user_42', grantB);

    const before = await head();
    const again = await call('POST', '/api/admin/users/user_42/agents', { body: { agentId: agentA.agentId } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(ada);
    expect(again.etag).toBe(grantB.etag);
    expect(await head()).toBe(before);
    expect(await streamTypes('user-user_42')).toEqual(['UserRegistered', 'UserGrantedAgent', 'UserGrantedAgent']);
    await expectReadBack('/api/admin/users/user_42', again);
  });

  it('sets the default agent', async () => {
    const set = await call('PUT', '/api/admin/users/user_42/default-agent', { body: { agentId: agentA.agentId } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ ...ada, defaultAgentId: agentA.agentId, updatedAt: ISO });
    await expectETagOf(set, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', set);
  });

  it('sets a chat setting, then clears it with null', async () => {
    const set = await call('PUT', '/api/admin/users/user_42/chat-settings', { body: { maxMessages: 40 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ ...ada, chatSettings: { maxMessages: 40, temperature: null }, updatedAt: ISO });
    await expectETagOf(set, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', set);

    const cleared = await call('PUT', '/api/admin/users/user_42/chat-settings', { body: { maxMessages: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ ...ada, chatSettings: { maxMessages: null, temperature: null }, updatedAt: ISO });
    await expectETagOf(cleared, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', cleared);
  });

  it('changes the user’s name and role in one PATCH', async () => {
    const changed = await call('PATCH', '/api/admin/users/user_42', {
      body: { lastName: 'King', role: 'company_admin' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ ...ada, lastName: 'King', role: 'company_admin', updatedAt: ISO });
    await expectETagOf(changed, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', changed);
  });

  it('revokes the default agent, which clears the default', async () => {
    const revoked = await call('DELETE', `/api/admin/users/user_42/agents/${agentA.agentId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ...ada, agents: [agentB.agentId], defaultAgentId: null, updatedAt: ISO });
    await expectETagOf(revoked, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', revoked);
  });

  it('retires an agent; granting a retired agent is refused', async () => {
    const retired = await call('POST', `/api/admin/agents/${agentA.agentId}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body).toEqual({ ...agentA, status: 'retired', updatedAt: ISO });
    await expectETagOf(retired, `agent-${agentA.agentId}`);
    expect(retired.etag).toBe('"1"');
    agentA = await expectReadBack(`/api/admin/agents/${agentA.agentId}`, retired);

    const before = await head();
    const grant = await call('POST', '/api/admin/users/user_42/agents', { body: { agentId: agentA.agentId } });
    await expectRefused(before, grant, 409, 'agent_retired');
    const user = await call('GET', '/api/admin/users/user_42');
    expect(user.body).toEqual(ada);

    const rename = await call('PATCH', `/api/admin/agents/${agentA.agentId}`, {
      body: { name: 'Back from retirement' },
    });
    await expectRefused(before, rename, 409, 'agent_retired');
  });

  it('rotates the confidential client’s secret: a new one, answered once', async () => {
    const path = `/api/admin/clients/${confidential.clientId}`;
    const rotated = await call('POST', `${path}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      ...confidential,
      secretRotatedAt: ISO,
      updatedAt: rotated.body.secretRotatedAt,
      clientSecret: expect.stringMatching(SECRET),
    });
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.body.clientSecret).not.toBe(secrets[0].secret);
    secrets.push({ secret: rotated.body.clientSecret, issuedBy: rotated });
    await expectETagOf(rotated, `client-${confidential.clientId}`);
    confidential = await expectReadBack(path, rotated);

    const recorded = await events().readStream(`client-${confidential.clientId}`);
    expect(recorded.at(-1)).toMatchObject({
      type: 'ClientSecretRotated',
      data: { secretHash: `sha256:${sha256(rotated.body.clientSecret)}` },
    });
  });

  it('disables the client, then enables it again', async () => {
    const path = `/api/admin/clients/${confidential.clientId}`;
    const disabled = await call('POST', `${path}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ ...confidential, status: 'disabled', updatedAt: ISO });
    await expectETagOf(disabled, `client-${confidential.clientId}`);
    confidential = await expectReadBack(path, disabled);

    const enabled = await call('POST', `${path}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toEqual({ ...confidential, status: 'active', updatedAt: ISO });
    await expectETagOf(enabled, `client-${confidential.clientId}`);
    confidential = await expectReadBack(path, enabled);
  });

  it('deactivates a user, giving its licence back, and reactivates it', async () => {
    const path = `/api/admin/users/${grace.id}`;
    const deactivated = await call('POST', `${path}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toEqual({ ...grace, status: 'deactivated', updatedAt: ISO });
    await expectETagOf(deactivated, `user-${grace.id}`);
    grace = await expectReadBack(path, deactivated);
    await expectActiveUsers(1);

    const reactivated = await call('POST', `${path}/reactivate`);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toEqual({ ...grace, status: 'active', updatedAt: ISO });
    await expectETagOf(reactivated, `user-${grace.id}`);
    grace = await expectReadBack(path, reactivated);
    await expectActiveUsers(2);
  });

  it('fills the last licence, then refuses the next registration and appends nothing', async () => {
    const filled = await call('POST', '/api/admin/users', {
      body: { companyId: company.id, email: emails.third, firstName: 'Third', lastName: 'Seat', role: 'compliance' },
    });
    expect(filled.status).toBe(201);
    expect(filled.body).toEqual({
      id: expect.stringMatching(UUID),
      companyId: company.id,
      email: emails.third,
      firstName: 'Third',
      lastName: 'Seat',
      role: 'compliance',
      status: 'active',
      agents: [],
      defaultAgentId: null,
      chatSettings: { maxMessages: null, temperature: null },
      createdAt: ISO,
      updatedAt: filled.body.createdAt,
    });
    await expectETagOf(filled, `user-${filled.body.id}`);
    third = await expectReadBack(`/api/admin/users/${filled.body.id}`, filled);
    await expectActiveUsers(3);

    const before = await head();
    const refused = await call('POST', '/api/admin/users', {
      body: { ...overLimit, companyId: company.id, firstName: 'One', lastName: 'Toomany', role: 'user' },
    });
    await expectRefused(before, refused, 409, 'user_licenses_exhausted');
    expect((await call('GET', `/api/admin/users/${overLimit.id}`)).status).toBe(404);
    expect(await events().readStream(reservation(company.id, overLimit.email))).toEqual([]);
    await expectActiveUsers(3);

    // A deactivated user cannot come back while the licences are all in use either.
    const deactivated = await call('POST', `/api/admin/users/${third.id}/deactivate`);
    expect(deactivated.status).toBe(200);
    await expectActiveUsers(2);
    const registered = await call('POST', '/api/admin/users', {
      body: { ...overLimit, companyId: company.id, firstName: 'Now', lastName: 'Fits', role: 'user' },
    });
    expect(registered.status).toBe(201);
    await expectActiveUsers(3);
    const beforeBack = await head();
    const back = await call('POST', `/api/admin/users/${third.id}/reactivate`);
    await expectRefused(beforeBack, back, 409, 'user_licenses_exhausted');
    const stillOff = await call('GET', `/api/admin/users/${third.id}`);
    expect(stillOff.body).toMatchObject({ status: 'deactivated' });
    third = stillOff.body;
    await expectActiveUsers(3);
  });

  it('honours If-Match: the current ETag succeeds, a stale one is 412 and appends nothing', async () => {
    const current = await call('GET', '/api/admin/users/user_42');
    expect(current.etag).toMatch(/^"\d+"$/);
    const changed = await call('PATCH', '/api/admin/users/user_42', {
      body: { firstName: 'Augusta' },
      headers: { 'if-match': current.etag! },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ ...ada, firstName: 'Augusta', updatedAt: ISO });
    expect(changed.etag).not.toBe(current.etag);
    await expectETagOf(changed, 'user-user_42');
    ada = await expectReadBack('/api/admin/users/user_42', changed);

    const before = await head();
    const stale = await call('PATCH', '/api/admin/users/user_42', {
      body: { firstName: 'Ada' },
      headers: { 'if-match': current.etag! },
    });
    await expectRefused(before, stale, 412, 'stale_revision');
    expect((await call('GET', '/api/admin/users/user_42')).body).toEqual(ada);

    const agentNow = await call('GET', `/api/admin/agents/${agentB.agentId}`);
    const renamed = await call('PATCH', `/api/admin/agents/${agentB.agentId}`, {
      body: { name: 'Claims Helper v2', temperature: 1.1 },
      headers: { 'if-match': agentNow.etag! },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...agentB, name: 'Claims Helper v2', temperature: 1.1, updatedAt: ISO });
    await expectETagOf(renamed, `agent-${agentB.agentId}`);
    agentB = await expectReadBack(`/api/admin/agents/${agentB.agentId}`, renamed);
    const beforeAgent = await head();
    const staleAgent = await call('PATCH', `/api/admin/agents/${agentB.agentId}`, {
      body: { name: 'Lost update' },
      headers: { 'if-match': agentNow.etag! },
    });
    await expectRefused(beforeAgent, staleAgent, 412, 'stale_revision');
  });

  it('recorded exactly the expected events, in order, each stream its own', async () => {
    const overLimitUser = (await call('GET', `/api/admin/users/${overLimit.id}`)).body;
    const expected: Record<string, string[]> = {
      [`company-${company.id}`]: [
        'CompanyRegistered',
        'CompanyUserSeatAssigned', // user_42
        'CompanyUserSeatAssigned', // grace
        'CompanyUserSeatReleased', // grace deactivated
        'CompanyUserSeatAssigned', // grace reactivated
        'CompanyUserSeatAssigned', // third
        'CompanyUserSeatReleased', // third deactivated
        'CompanyUserSeatAssigned', // user_over_limit
      ],
      [`agent-${agentA.agentId}`]: ['AgentRegistered', 'AgentRetired'],
      [`agent-${agentB.agentId}`]: ['AgentRegistered', 'AgentSettingsChanged'],
      [`client-${confidential.clientId}`]: [
        'ClientRegistered',
        'RedirectUriAdded',
        'RedirectUriRemoved',
        'ClientSecretRotated',
        'ClientDisabled',
        'ClientEnabled',
      ],
      [`client-${publicClient.clientId}`]: ['ClientRegistered'],
      'user-user_42': [
        'UserRegistered',
        'UserGrantedAgent',
        'UserGrantedAgent',
        'UserDefaultAgentSet',
        'UserChatSettingsChanged',
        'UserChatSettingsChanged',
        'UserProfileChanged',
        'UserRoleChanged',
        'UserAgentRevoked',
        'UserDefaultAgentCleared',
        'UserProfileChanged',
      ],
      [`user-${grace.id}`]: ['UserRegistered', 'UserDeactivated', 'UserReactivated'],
      [`user-${third.id}`]: ['UserRegistered', 'UserDeactivated'],
      [`user-${overLimitUser.id}`]: ['UserRegistered'],
      [reservation(company.id, emails.ada)]: ['UserEmailReserved'],
      [reservation(company.id, emails.grace)]: ['UserEmailReserved'],
      [reservation(company.id, emails.third)]: ['UserEmailReserved'],
      [reservation(company.id, overLimit.email)]: ['UserEmailReserved'],
    };
    const writeRequests = new Set(exchanges.filter((e) => e.method !== 'GET').map((e) => e.requestId));
    let total = 0;
    for (const [stream, types] of Object.entries(expected)) {
      const recorded = await events().readStream(stream);
      expect({ stream, types: recorded.map((event) => event.type) }).toEqual({ stream, types });
      recorded.forEach((event, index) => {
        expect(event.revision).toBe(index);
        expect(event.metadata).toMatchObject({
          actor: { kind: 'admin', id: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) },
          correlationId: expect.any(String),
          causationId: event.metadata.correlationId,
          companyId: company.id,
          at: ISO,
          // Each type's current version: 2 for the user events whose personal fields are sealed.
          schemaVersion: userEvents.includes(event.type) ? userEvents.versionOf(event.type) : 1,
        });
        expect(event.metadata.actor.id).toBe(actorId);
        expect(writeRequests).toContain(event.metadata.correlationId);
      });
      total += recorded.length;
    }
    // Nothing was appended anywhere else.
    expect((await events().readAll({ limit: 10_000 })).length).toBe(total);

    // The facts carry what the admin asked for.
    const user = await events().readStream('user-user_42');
    expect(user.filter((e) => e.type === 'UserGrantedAgent').map((e) => (e.data as Json).agentId)).toEqual([
      agentA.agentId,
      agentB.agentId,
    ]);
    const [profile, role] = user.slice(6, 8);
    expect(profile.data).toMatchObject({ userId: 'user_42', firstName: 'Ada', lastName: 'King' });
    expect(role.data).toMatchObject({ userId: 'user_42', role: 'company_admin' });
    expect(profile.metadata.correlationId).toBe(role.metadata.correlationId); // one request, one correlation
    const [revoked, cleared] = user.slice(8, 10);
    expect(revoked.data).toMatchObject({ agentId: agentA.agentId });
    expect(cleared.metadata.correlationId).toBe(revoked.metadata.correlationId);
    const client = await events().readStream(`client-${confidential.clientId}`);
    expect(client.map((e) => (e.data as Json).uri).slice(1, 3)).toEqual([uris.third, uris.first]);
  });

  it('never lets a client secret out again: not in answers, events, read models, or the log', async () => {
    expect(secrets).toHaveLength(2);
    for (const { secret, issuedBy } of secrets) {
      expect(issuedBy.text).toContain(secret);
      for (const exchange of exchanges) {
        if (exchange === issuedBy) continue;
        const headers = serialize([...exchange.headers.entries()]);
        expect({ request: `${exchange.method} ${exchange.path}`, leaked: exchange.text.includes(secret) }).toEqual({
          request: `${exchange.method} ${exchange.path}`,
          leaked: false,
        });
        expect(headers).not.toContain(secret);
      }
    }

    const all: RecordedEvent[] = await events().readAll({ limit: 10_000 });
    expect(all.length).toBeGreaterThan(30);
    const eventText = serialize(all.map(({ data, metadata }) => ({ data, metadata })));
    for (const { secret } of secrets) expect(eventText).not.toContain(secret);

    const reads = app.get(ReadStore);
    const collections = await reads.listCollections();
    expect(collections).toEqual(expect.arrayContaining(['clients_v2', 'users_v1', 'agents_v1', 'companies_v1']));
    const documents: Document[] = [];
    for (const collection of collections) {
      let cursor: string | undefined;
      do {
        const page = await reads.find(collection, { limit: 1000, cursor });
        documents.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
    }
    const readText = serialize(documents);
    expect(readText).toContain(confidential.clientId); // the search really covered the clients
    for (const { secret } of secrets) expect(readText).not.toContain(secret);

    const log = logLines.join('');
    expect(log).toContain(`/api/admin/clients/${confidential.clientId}/secret`); // the log really was captured
    for (const { secret } of secrets) expect(log).not.toContain(secret);
    expect(log).not.toContain(adminKey);
  });
});
