import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppConfig } from '../../src/config/app-config';
import { keyFingerprint, resolveFingerprintSecret } from '../../src/platform/auth/admin-api-key';
import { EventStore, type RecordedEvent } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type Client, type Json, OAuthFixture } from '../support/oauth-fixtures';
import { type JsonResponse, type RunningApp, startApp } from '../support/running-app';

const AUDIT = '/api/admin/audit';
const CSV_HEADER = 'position,stream,revision,type,time,actorKind,actorId,correlationId,companyId,hash,data';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The query of the audit routes; `type` repeats. */
interface Filters {
  stream?: string;
  category?: string;
  type?: string[];
  actor?: string;
  actorKind?: string;
  companyId?: string;
  clientId?: string;
  userId?: string;
  from?: string;
  to?: string;
  after?: string;
  limit?: number;
  format?: 'ndjson' | 'csv';
}

function queryString(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, String(one));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The documented filter semantics, written here independently of the service: every filter narrows
 * (AND); `category` is the part of the stream name before its first dash; `clientId` / `userId` select
 * that client's / user's own stream and every event whose data names it; `from` / `to` are inclusive
 * instants compared with the time the store recorded the event; a company scope keeps only events
 * whose envelope names that company.
 */
function selects(event: RecordedEvent, filters: Filters, companyScope?: string): boolean {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const { actor, companyId } = event.metadata;
  const dash = event.stream.indexOf('-');
  const category = dash < 0 ? event.stream : event.stream.slice(0, dash);
  const at = Date.parse(event.recordedAt);
  return (
    (companyScope === undefined || companyId === companyScope) &&
    (filters.stream === undefined || event.stream === filters.stream) &&
    (filters.category === undefined || category === filters.category) &&
    (filters.type === undefined || filters.type.includes(event.type)) &&
    (filters.actor === undefined || actor?.id === filters.actor) &&
    (filters.actorKind === undefined || actor?.kind === filters.actorKind) &&
    (filters.companyId === undefined || companyId === filters.companyId) &&
    (filters.clientId === undefined ||
      event.stream === `client-${filters.clientId}` ||
      data.clientId === filters.clientId) &&
    (filters.userId === undefined || event.stream === `user-${filters.userId}` || data.userId === filters.userId) &&
    (filters.from === undefined || at >= Date.parse(filters.from)) &&
    (filters.to === undefined || at <= Date.parse(filters.to))
  );
}

const positionOf = (event: RecordedEvent) => formatPosition(event.position);

/** What the audit API shows of a stored event. */
function expectedItem(event: RecordedEvent): Json {
  const { metadata } = event;
  return {
    position: positionOf(event),
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    time: event.recordedAt,
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    ...(metadata.companyId ? { companyId: metadata.companyId } : {}),
    data: event.data,
    hash: metadata.hash,
  };
}

/** RFC 4180, strictly: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('the last row has no line break');
  return rows;
}

/** A CSV row as the API item it stands for. */
function csvRowAsItem(row: string[]): Json {
  const [position, stream, revision, type, time, actorKind, actorId, correlationId, companyId, hash, data] = row;
  return {
    position,
    stream,
    revision: Number(revision),
    type,
    time,
    actor: { kind: actorKind, id: actorId },
    correlationId,
    ...(companyId ? { companyId } : {}),
    data: JSON.parse(data),
    ...(hash ? { hash } : {}),
  };
}

const ndjsonLines = (text: string): Json[] => {
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line));
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One audit request, with the store as it was just before it and the events it appended. */
interface Audited {
  readonly response: JsonResponse;
  readonly status: number;
  readonly text: string;
  readonly body: Json;
  /** Every event in the store when the request was sent. */
  readonly before: RecordedEvent[];
  /** Every event in the store once it was answered. */
  readonly after: RecordedEvent[];
  readonly appended: RecordedEvent[];
}

function auditClient(service: () => RunningApp) {
  const store = () => service().app.get(EventStore);
  const all = () => store().readAll({ limit: 100000 });
  return async (path: string, auth: boolean | string = true): Promise<Audited> => {
    const before = await all();
    const response = await service().request(`${AUDIT}${path}`, { auth });
    const text = await response.text();
    const after = await all();
    const isJson =
      /json/.test(response.headers.get('content-type') ?? '') &&
      !/ndjson/.test(response.headers.get('content-type') ?? '');
    return {
      response,
      status: response.status,
      text,
      body: isJson && text ? JSON.parse(text) : undefined,
      before,
      after,
      appended: after.slice(before.length),
    };
  };
}

const adminActor = ({ adminKey, dataDir }: RunningApp) => ({
  kind: 'admin',
  id: `api-key:${keyFingerprint(adminKey, resolveFingerprintSecret(AppConfig.fromEnvironment({ DATA_DIR: dataDir })))}`,
});

function expectProblem(answer: Audited, status: number, code?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status, ...(code ? { code } : {}) });
  expect(answer.appended).toEqual([]);
}

/** The one `AuditTrailRead` a successful read appended, with what it must say. */
function expectRecordedRead(
  answer: Audited,
  expected: { route: string; filters: object; items: number | null; actor: object; companyId?: string },
): void {
  expect(answer.appended.map((event) => event.type)).toEqual(['AuditTrailRead']);
  const [read] = answer.appended;
  expect(read.stream).toMatch(/^auditread-[0-9a-f-]{36}$/);
  expect(read.revision).toBe(0);
  expect(read.data).toEqual({
    route: expected.route,
    filters: expected.filters,
    items: expected.items,
    readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  });
  expect(read.metadata.actor).toEqual(expected.actor);
  expect(read.metadata.companyId).toBe(expected.companyId);
  expect(read.metadata.hash).toMatch(SHA256_HEX);
}

/**
 * The audit trail over HTTP against one history: two companies, each with a client, users, an agent
 * granted to a user, and OAuth tokens issued; then a second phase a few milliseconds later, so an
 * instant separates the two.
 */
describe('audit trail over HTTP', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyA: string;
  let companyB: string;
  let clientA: Client;
  let clientB: Client;
  /** recordedAt of the first event of the second phase. */
  let splitAt: string;
  let auditToken: string;
  let auditReader: Client;
  let adminScopedToken: string;
  const audit = auditClient(() => service);
  const store = () => service.app.get(EventStore);
  const admin = () => adminActor(service);

  const clientCredentials = async (client: Client, scope: string) => {
    const { response, body } = await oauth.token(
      { grant_type: 'client_credentials', scope },
      {
        form: true,
        headers: {
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
      },
    );
    expect(response.status).toBe(200);
    expect(body.scope).toBe(scope);
    return body.access_token as string;
  };

  beforeAll(async () => {
    service = await startApp();
    oauth = new OAuthFixture(service);
    // A name with a comma and quotes: the CSV export must quote it.
    companyA = await oauth.company('Alpha, "Quoted" Ltd');
    companyB = await oauth.company('Beta Ltd');
    const agentA = await oauth.agent(companyA, 'Underwriter');
    const agentB = await oauth.agent(companyB, 'Broker');
    clientA = await oauth.client(companyA);
    clientB = await oauth.client(companyB);
    await oauth.user(companyA, { id: 'alice-a', firstName: 'Alice', lastName: 'Archer' });
    await oauth.user(companyA, { id: 'adam-a', firstName: 'Adam', lastName: 'Ash' });
    await oauth.user(companyB, { id: 'bella-b', firstName: 'Bella', lastName: 'Birch' });
    await oauth.admin('POST', '/api/admin/users/alice-a/agents', { agentId: agentA });
    await oauth.admin('POST', '/api/admin/users/bella-b/agents', { agentId: agentB });
    await oauth.tokens(clientA);
    await oauth.tokens(clientA, 'alice-a');
    await oauth.tokens(clientB, 'bella-b');

    const head = (await store().headPosition()).commit;
    await sleep(25);
    await oauth.user(companyB, { id: 'bruno-b', firstName: 'Bruno', lastName: 'Blue' });
    const [first] = await store().readAll({ after: { commit: head, prepare: head }, limit: 1 });
    splitAt = first.recordedAt;
    await oauth.admin('PATCH', '/api/admin/users/alice-a', { lastName: 'Archer-Smith' });
    await oauth.tokens(clientB);
    const aliceAgain = await oauth.tokens(clientA, 'alice-a');
    expect((await oauth.revoke(clientA, aliceAgain.refresh_token!)).status).toBe(200);

    auditReader = await oauth.client(companyA, { scopes: ['audit:read'] });
    const companyAdmin = await oauth.client(companyA, { scopes: ['admin'] });
    auditToken = await clientCredentials(auditReader, 'audit:read');
    adminScopedToken = await clientCredentials(companyAdmin, 'admin');
  });
  afterAll(() => service.close());

  describe('events query', () => {
    it('shows every stored event as it was recorded, in global order', async () => {
      const answer = await audit('/events?limit=1000');
      expect(answer.status).toBe(200);
      expect(answer.body.nextCursor).toBeUndefined();
      expect(answer.body.items).toEqual(answer.before.map(expectedItem));
      expect(answer.body.items.length).toBeGreaterThan(30);
      for (const item of answer.body.items) expect(item.hash).toMatch(SHA256_HEX);
      const positions = answer.body.items.map((item: Json) => BigInt(item.position.split('/')[0]));
      positions.slice(1).forEach((position: bigint, i: number) => expect(position).toBeGreaterThan(positions[i]));
      expectRecordedRead(answer, {
        route: 'events',
        filters: { limit: 1000 },
        items: answer.body.items.length,
        actor: admin(),
      });
    });

    const combinations: Array<[string, () => Filters]> = [
      ['one type', () => ({ type: ['TokenIssued'] })],
      ['two types', () => ({ type: ['UserRegistered', 'UserGrantedAgent'] })],
      ['a category', () => ({ category: 'grant' })],
      ['a category and a company', () => ({ category: 'user', companyId: companyB })],
      ['a stream', () => ({ stream: 'user-alice-a' })],
      ['a stream and a type', () => ({ stream: 'user-alice-a', type: ['UserProfileChanged'] })],
      ['a company', () => ({ companyId: companyA })],
      ['a client', () => ({ clientId: clientA.clientId })],
      ['a user', () => ({ userId: 'alice-a' })],
      ['a user and a type', () => ({ userId: 'bella-b', type: ['TokenIssued', 'AuthorizationCodeIssued'] })],
      ['an actor kind', () => ({ actorKind: 'client' })],
      ['an actor kind and a company', () => ({ actorKind: 'admin', companyId: companyB })],
      ['an actor', () => ({ actor: clientB.clientId })],
      ['from an instant', () => ({ from: splitAt })],
      ['up to an instant', () => ({ to: splitAt })],
      ['exactly an instant', () => ({ from: splitAt, to: splitAt })],
      [
        'from an instant written with an offset, in a category',
        () => ({ from: withOffset(splitAt), category: 'grant' }),
      ],
      ['up to an instant, for a client', () => ({ to: splitAt, clientId: clientB.clientId })],
    ];

    it.each(combinations)('filtered by %s equals a scan of the store', async (_, filters) => {
      const query = { ...filters(), limit: 1000 };
      const answer = await audit(`/events${queryString(query)}`);
      expect(answer.status).toBe(200);
      const expected = answer.before.filter((event) => selects(event, query));
      // Each combination really narrows the history, and still finds something.
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(answer.before.length);
      expect(answer.body.items.map((item: Json) => item.position)).toEqual(expected.map(positionOf));
      expect(answer.body.items).toEqual(expected.map(expectedItem));
      expect(answer.body.nextCursor).toBeUndefined();
      expectRecordedRead(answer, { route: 'events', filters: query, items: expected.length, actor: admin() });
    });

    it('takes a stream name exactly, not as a prefix', async () => {
      const answer = await audit('/events?stream=user-a');
      expect(answer.status).toBe(200);
      expect(answer.before.some((event) => event.stream.startsWith('user-a'))).toBe(true);
      expect(answer.body.items).toEqual([]);
    });

    it('takes a category as the part of the stream name before its first dash', async () => {
      const answer = await audit('/events?category=user&limit=1000');
      // `useremail-…` streams begin with "user" but are another category.
      expect(answer.before.some((event) => event.stream.startsWith('useremail-'))).toBe(true);
      const streams = new Set<string>(answer.body.items.map((item: Json) => item.stream));
      expect([...streams].sort()).toEqual(['user-adam-a', 'user-alice-a', 'user-bella-b', 'user-bruno-b']);
    });

    it.each([
      ['a company, 3 a page', () => ({ companyId: companyA }), 3],
      ['two types, 1 a page', () => ({ type: ['TokenIssued', 'AuthorizationCodeIssued'] }), 1],
      ['a user, 4 a page', () => ({ userId: 'alice-a' }), 4],
    ] as Array<[string, () => Filters, number]>)(
      'pages of %s join up to exactly the unpaged result',
      async (_, filters, limit) => {
        const whole = await audit(`/events${queryString({ ...filters(), limit: 1000 })}`);
        expect(whole.status).toBe(200);
        const expected: string[] = whole.body.items.map((item: Json) => item.position);
        expect(expected.length).toBeGreaterThan(limit);
        const paged: string[] = [];
        let after: string | undefined;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThanOrEqual(expected.length);
          const page = await audit(`/events${queryString({ ...filters(), limit, ...(after ? { after } : {}) })}`);
          expect(page.status).toBe(200);
          expect(page.body.items.length).toBeLessThanOrEqual(limit);
          expectRecordedRead(page, {
            route: 'events',
            filters: { ...filters(), limit, ...(after ? { after } : {}) },
            items: page.body.items.length,
            actor: admin(),
          });
          paged.push(...page.body.items.map((item: Json) => item.position));
          if (page.body.items.length === limit) {
            expect(page.body.nextCursor).toBe(page.body.items[limit - 1].position);
          } else {
            expect(page.body.nextCursor).toBeUndefined();
          }
          if (!page.body.nextCursor) break;
          after = page.body.nextCursor;
        }
        expect(paged).toEqual(expected);
      },
    );

    it.each([
      ['limit above 1000', '?limit=1001'],
      ['limit 0', '?limit=0'],
      ['a malformed cursor', '?after=12'],
      ['a cursor that is not numeric', '?after=abc/def'],
      ['an unknown actor kind', '?actorKind=robot'],
      ['a from that is not ISO-8601', '?from=27%2F11%2F2026'],
      ['a to that is not an instant', '?to=yesterday'],
      ['a category with capitals', '?category=User'],
      ['an unknown filter', '?colour=red'],
    ])('refuses %s with 400 problem+json, recording nothing', async (_, query) => {
      expectProblem(await audit(`/events${query}`), 400, 'validation_failed');
    });
  });

  describe('stream histories', () => {
    it("show a user's whole stream in revision order with its chain intact", async () => {
      const answer = await audit('/streams/user-alice-a');
      expect(answer.status).toBe(200);
      const history = answer.before.filter((event) => event.stream === 'user-alice-a');
      expect(history.map((event) => event.type)).toEqual(['UserRegistered', 'UserGrantedAgent', 'UserProfileChanged']);
      expect(answer.body).toEqual({
        stream: 'user-alice-a',
        items: history.map(expectedItem),
        chain: { ok: true, breaks: [] },
      });
      expect(answer.body.items.map((item: Json) => item.revision)).toEqual([0, 1, 2]);
      expectRecordedRead(answer, {
        route: 'stream',
        filters: { stream: 'user-alice-a' },
        items: 3,
        actor: admin(),
      });
    });

    it('answer 404 for a stream that does not exist', async () => {
      expectProblem(await audit('/streams/user-nobody-here'), 404, 'stream_not_found');
    });
  });

  describe('verification', () => {
    it("checks every stream's chain for the platform administrator", async () => {
      const answer = await audit('/verify');
      expect(answer.status).toBe(200);
      const events = answer.before.length;
      const streams = new Set(answer.before.map((event) => event.stream)).size;
      expect(answer.body).toMatchObject({ ok: true, events, streams, breaks: [] });
      expectRecordedRead(answer, { route: 'verify', filters: {}, items: events, actor: admin() });
    });
  });

  describe('export', () => {
    it.each([
      ['a company', () => ({ companyId: companyB })],
      ['a category and two types', () => ({ category: 'grant', type: ['TokenIssued', 'TokenRevoked'] })],
      ['a user', () => ({ userId: 'alice-a' })],
    ] as Array<[string, () => Filters]>)('as NDJSON holds exactly the events API items for %s', async (_, filters) => {
      const listed = await audit(`/events${queryString({ ...filters(), limit: 1000 })}`);
      expect(listed.body.items.length).toBeGreaterThan(1);
      const exported = await audit(`/export${queryString({ ...filters(), format: 'ndjson' })}`);
      expect(exported.status).toBe(200);
      expect(exported.response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(exported.response.headers.get('content-disposition')).toBe('attachment; filename="audit.ndjson"');
      expect(exported.response.headers.get('cache-control')).toBe('no-store');
      expect(ndjsonLines(exported.text)).toEqual(listed.body.items);
      expectRecordedRead(exported, {
        route: 'export',
        filters: { ...filters(), format: 'ndjson' },
        items: null,
        actor: admin(),
      });
    });

    it('defaults to NDJSON', async () => {
      const exported = await audit(`/export${queryString({ stream: 'user-bella-b' })}`);
      expect(exported.response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(ndjsonLines(exported.text)).toEqual(
        exported.before.filter((event) => event.stream === 'user-bella-b').map(expectedItem),
      );
    });

    it('as CSV has a header and one properly quoted row per event', async () => {
      const listed = await audit(`/events${queryString({ companyId: companyA, limit: 1000 })}`);
      const exported = await audit(`/export${queryString({ companyId: companyA, format: 'csv' })}`);
      expect(exported.status).toBe(200);
      expect(exported.response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(exported.response.headers.get('content-disposition')).toBe('attachment; filename="audit.csv"');
      const [header, ...rows] = parseCsv(exported.text);
      expect(header.join(',')).toBe(CSV_HEADER);
      expect(rows).toHaveLength(listed.body.items.length);
      for (const row of rows) expect(row).toHaveLength(11);
      expect(rows.map(csvRowAsItem)).toEqual(listed.body.items);
      // The company name's comma and quotes arrive quoted, quotes doubled (RFC 4180).
      const registered = listed.body.items.find((item: Json) => item.type === 'CompanyRegistered');
      expect(registered.data.name).toBe('Alpha, "Quoted" Ltd');
      expect(exported.text).toContain(`,"{""companyId"":""${companyA}"",""name"":""Alpha, \\""Quoted\\"" Ltd"",`);
      expectRecordedRead(exported, {
        route: 'export',
        filters: { companyId: companyA, format: 'csv' },
        items: null,
        actor: admin(),
      });
    });

    it('resumes after a position, as NDJSON and as CSV', async () => {
      const full = ndjsonLines((await audit(`/export${queryString({ companyId: companyA })}`)).text);
      expect(full.length).toBeGreaterThan(4);
      const cut = Math.floor(full.length / 2);
      const after = full[cut].position;
      const resumed = await audit(`/export${queryString({ companyId: companyA, after })}`);
      expect(ndjsonLines(resumed.text)).toEqual(full.slice(cut + 1));
      const csv = await audit(`/export${queryString({ companyId: companyA, after, format: 'csv' })}`);
      const [header, ...rows] = parseCsv(csv.text);
      expect(header.join(',')).toBe(CSV_HEADER);
      expect(rows.map(csvRowAsItem)).toEqual(full.slice(cut + 1));
    });

    it('refuses an unknown format with 400 problem+json', async () => {
      expectProblem(await audit('/export?format=xml'), 400, 'validation_failed');
    });
  });

  describe('access', () => {
    const asReviewer = (path: string) => audit(path, auditToken);
    const reviewer = () => ({ kind: 'client', id: auditReader.clientId });

    it("lets an audit:read token see its own company's events and nothing else", async () => {
      const answer = await asReviewer('/events?limit=1000');
      expect(answer.status).toBe(200);
      const expected = answer.before.filter((event) => selects(event, {}, companyA));
      expect(answer.before.some((event) => event.metadata.companyId === companyB)).toBe(true);
      expect(answer.body.items.length).toBeGreaterThan(10);
      for (const item of answer.body.items) expect(item.companyId).toBe(companyA);
      expect(answer.body.items).toEqual(expected.map(expectedItem));
      expectRecordedRead(answer, {
        route: 'events',
        filters: { limit: 1000 },
        items: expected.length,
        actor: reviewer(),
        companyId: companyA,
      });
    });

    it.each([
      ['the other company', () => ({ companyId: companyB })],
      ["the other company's user", () => ({ userId: 'bella-b' })],
      ["the other company's client", () => ({ clientId: clientB.clientId })],
      ["the other company's user stream", () => ({ stream: 'user-bella-b' })],
    ] as Array<[string, () => Filters]>)('finds nothing when an audit:read token asks for %s', async (_, filters) => {
      const answer = await asReviewer(`/events${queryString(filters())}`);
      expect(answer.status).toBe(200);
      expect(answer.before.filter((event) => selects(event, filters())).length).toBeGreaterThan(0);
      expect(answer.body.items).toEqual([]);
    });

    it("gives an audit:read token its own company's streams, and 404 for another company's", async () => {
      const own = await asReviewer('/streams/user-alice-a');
      expect(own.status).toBe(200);
      expect(own.body.items.map((item: Json) => item.companyId)).toEqual([companyA, companyA, companyA]);
      expect(own.body.chain).toEqual({ ok: true, breaks: [] });
      expectRecordedRead(own, {
        route: 'stream',
        filters: { stream: 'user-alice-a' },
        items: 3,
        actor: reviewer(),
        companyId: companyA,
      });
      expectProblem(await asReviewer('/streams/user-bella-b'), 404, 'stream_not_found');
      expectProblem(await asReviewer(`/streams/company-${companyB}`), 404, 'stream_not_found');
      expectProblem(await asReviewer(`/streams/client-${clientB.clientId}`), 404, 'stream_not_found');
    });

    it("exports only the audit:read token's company", async () => {
      const exported = await asReviewer('/export');
      expect(exported.status).toBe(200);
      const lines = ndjsonLines(exported.text);
      // The export records its read before streaming: its own AuditTrailRead is part of it.
      const expected = exported.after.filter((event) => selects(event, {}, companyA));
      expect(lines).toEqual(expected.map(expectedItem));
      for (const line of lines) expect(line.companyId).toBe(companyA);
      expectRecordedRead(exported, {
        route: 'export',
        filters: {},
        items: null,
        actor: reviewer(),
        companyId: companyA,
      });
      const csv = await asReviewer('/export?format=csv');
      const [, ...rows] = parseCsv(csv.text);
      expect(rows.length).toBeGreaterThan(10);
      for (const row of rows) expect(csvRowAsItem(row).companyId).toBe(companyA);
    });

    it('refuses verification to an audit:read token (403)', async () => {
      expectProblem(await asReviewer('/verify'), 403);
    });

    it.each(['/events', '/streams/user-alice-a', '/export', '/verify'])(
      'answers 401 on %s to an admin-scope token and to no credentials',
      async (path) => {
        expectProblem(await audit(path, adminScopedToken), 401);
        expectProblem(await audit(path, false), 401);
        expectProblem(await audit(path, `${auditToken}x`), 401);
      },
    );

    it('does not let an audit:read token administer its company', async () => {
      const response = await service.request('/api/admin/users', { auth: auditToken });
      expect(response.status).toBe(401);
    });
  });
});

/** The same instant as `iso` (a `…Z` time), written in +02:00. */
function withOffset(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 2 * 3600_000).toISOString();
  return `${shifted.slice(0, -1)}+02:00`;
}

/**
 * Tamper evidence: a store written by the service, closed, altered directly in SQLite, and verified by
 * a new instance on the same data directory.
 */
describe('audit verification of a tampered store', () => {
  const USER_STREAM = 'user-tamper-user';
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  /** A fresh store: a company, a client with tokens, and a user whose stream has four events. Closed. */
  async function writtenStore(): Promise<string> {
    const service = await startApp();
    try {
      const oauth = new OAuthFixture(service);
      const companyId = await oauth.company('Tamper Ltd');
      const first = await oauth.agent(companyId, 'First');
      const second = await oauth.agent(companyId, 'Second');
      const client = await oauth.client(companyId);
      await oauth.user(companyId, { id: 'tamper-user', firstName: 'Tess', lastName: 'Tamper' });
      await oauth.admin('POST', '/api/admin/users/tamper-user/agents', { agentId: first });
      await oauth.admin('PATCH', '/api/admin/users/tamper-user', { lastName: 'Tamper-Proof' });
      await oauth.admin('POST', '/api/admin/users/tamper-user/agents', { agentId: second });
      await oauth.tokens(client, 'tamper-user');
      return service.dataDir;
    } finally {
      await service.close();
    }
  }

  interface Row {
    position: number;
    revision: number;
    type: string;
    data: string;
  }

  /** Changes `events.sqlite` while no service has it open; answers the rows of the user's stream as they were. */
  function alter(dataDir: string, change: (db: Database.Database, rows: Row[]) => void): Row[] {
    const db = new Database(join(dataDir, 'events.sqlite'));
    try {
      const rows = db
        .prepare<[string], Row>('SELECT position, revision, type, data FROM events WHERE stream = ? ORDER BY revision')
        .all(USER_STREAM);
      expect(rows.map((row) => row.type)).toEqual([
        'UserRegistered',
        'UserGrantedAgent',
        'UserProfileChanged',
        'UserGrantedAgent',
      ]);
      change(db, rows);
      return rows;
    } finally {
      db.close();
    }
  }

  /** Starts a new service on the data and verifies: the report, and the store's size at that moment. */
  async function verify(dataDir: string): Promise<{ report: Json; events: number; streams: number }> {
    running = await startApp({ DATA_DIR: dataDir });
    const stored = await running.app.get(EventStore).readAll({ limit: 100000 });
    const response = await running.request(`${AUDIT}/verify`);
    expect(response.status).toBe(200);
    return {
      report: await response.json(),
      events: stored.length,
      streams: new Set(stored.map((event) => event.stream)).size,
    };
  }

  const at = (row: Row) => `${row.position}/${row.position}`;

  it('finds an untouched store intact', async () => {
    const dataDir = await writtenStore();
    const { report, events, streams } = await verify(dataDir);
    expect(events).toBeGreaterThan(10);
    expect(streams).toBeGreaterThan(5);
    expect(report).toMatchObject({ ok: true, events, streams, breaks: [] });
    const recorded = await running!.app.get(EventStore).readAll({ limit: 100000 });
    const read = recorded[recorded.length - 1];
    expect(read.type).toBe('AuditTrailRead');
    expect(read.data).toMatchObject({ route: 'verify', filters: {}, items: events });
  });

  it("reports an edited event's data as a hash mismatch at its position", async () => {
    const dataDir = await writtenStore();
    const [registered] = alter(dataDir, (db, rows) => {
      const data = JSON.parse(rows[0].data);
      data.firstName = 'Mallory';
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), rows[0].position);
    });
    const { report, events, streams } = await verify(dataDir);
    const mismatch = { position: at(registered), stream: USER_STREAM, revision: 0, reason: 'hash_mismatch' };
    expect(report).toMatchObject({ ok: false, events, streams, breaks: [mismatch] });
    const history = await running!.request(`${AUDIT}/streams/${USER_STREAM}`);
    const body = await history.json();
    expect(body.items[0].data.firstName).toBe('Mallory');
    expect(body.chain).toEqual({ ok: false, breaks: [mismatch] });
  });

  it('reports a deleted event as a revision gap at the event after it', async () => {
    const dataDir = await writtenStore();
    const rows = alter(dataDir, (db, stored) => {
      expect(db.prepare('DELETE FROM events WHERE position = ?').run(stored[1].position).changes).toBe(1);
    });
    const { report, events, streams } = await verify(dataDir);
    const where = { position: at(rows[2]), stream: USER_STREAM, revision: 2 };
    expect(report).toMatchObject({
      ok: false,
      events,
      streams,
      breaks: [
        { ...where, reason: 'revision_gap' },
        { ...where, reason: 'hash_mismatch' },
      ],
    });
  });

  it('reports two events of a stream whose type and data were swapped', async () => {
    const dataDir = await writtenStore();
    const rows = alter(dataDir, (db, stored) => {
      const update = db.prepare('UPDATE events SET type = ?, data = ? WHERE position = ?');
      update.run(stored[2].type, stored[2].data, stored[1].position);
      update.run(stored[1].type, stored[1].data, stored[2].position);
    });
    const { report, events, streams } = await verify(dataDir);
    expect(report).toMatchObject({
      ok: false,
      events,
      streams,
      breaks: [
        { position: at(rows[1]), stream: USER_STREAM, revision: 1, reason: 'hash_mismatch' },
        { position: at(rows[2]), stream: USER_STREAM, revision: 2, reason: 'hash_mismatch' },
      ],
    });
  });

  // Deleting every event of a stream leaves no chain to break: per-stream chains cannot reveal it.
  // Signed checkpoints (not built yet) will; until then this case is deliberately not asserted.
});
