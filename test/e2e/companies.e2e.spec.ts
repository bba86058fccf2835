import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type RunningApp, startApp } from '../support/running-app';

describe('admin companies over HTTP', () => {
  let service: RunningApp;
  const head = async () => formatPosition(await service.app.get(EventStore).headPosition());

  beforeAll(async () => {
    service = await startApp();
  });
  afterAll(async () => service.close());

  it('creates a company and reads it back at once', async () => {
    const created = await service.request('/api/admin/companies', {
      method: 'POST',
      body: JSON.stringify({ name: 'Acme Risk', userLicenses: 25 }),
    });
    expect(created.status).toBe(201);
    const company = await created.json();
    expect(company).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Acme Risk',
      userLicenses: 25,
      activeUsers: 0,
      createdAt: expect.any(String),
      updatedAt: company.createdAt,
    });
    expect(created.headers.get('location')).toBe(`/api/admin/companies/${company.id}`);

    const read = await service.request(`/api/admin/companies/${company.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(company);

    const list = await (await service.request('/api/admin/companies?limit=200')).json();
    expect(list.items).toContainEqual(company);
  });

  it('records who did it and under which request', async () => {
    const created = await service.request('/api/admin/companies', {
      method: 'POST',
      body: JSON.stringify({ name: 'Audited' }),
      headers: { 'x-request-id': 'trace-123', 'user-agent': 'admin-cli/1.0' },
    });
    const { id } = await created.json();
    const [event] = await service.app.get(EventStore).readStream(`company-${id}`);
    expect(event.type).toBe('CompanyRegistered');
    expect(event.metadata).toMatchObject({
      actor: { kind: 'admin', id: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) },
      requestId: 'trace-123',
      companyId: id,
      userAgent: 'admin-cli/1.0',
      schemaVersion: 1,
    });
    // The caller chose the request id, so the correlation id is the server's own.
    expect(event.metadata.correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(event.metadata.causationId).toBe(event.metadata.correlationId);
    expect(JSON.stringify({ data: event.data, metadata: event.metadata })).not.toContain(service.adminKey);
    expect(created.headers.get('x-request-id')).toBe('trace-123');
  });

  it('renames, changes licences, and records nothing for a no-op change', async () => {
    const { id } = await (
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Old' }) })
    ).json();
    const changed = await service.request(`/api/admin/companies/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'New', userLicenses: 3 }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ id, name: 'New', userLicenses: 3 });
    const before = await head();
    const same = await service.request(`/api/admin/companies/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'New' }),
    });
    expect(same.status).toBe(200);
    expect(await head()).toBe(before);
    const cleared = await service.request(`/api/admin/companies/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ userLicenses: null }),
    });
    expect(await cleared.json()).toMatchObject({ name: 'New', userLicenses: null });
    const types = (await service.app.get(EventStore).readStream(`company-${id}`)).map((e) => e.type);
    expect(types).toEqual([
      'CompanyRegistered',
      'CompanyRenamed',
      'CompanyUserLicensesChanged',
      'CompanyUserLicensesChanged',
    ]);
  });

  it('pages through companies with a cursor, each exactly once', async () => {
    for (let i = 0; i < 5; i++) {
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: `Paged ${i}` }) });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await (
        await service.request(`/api/admin/companies?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await (await service.request('/api/admin/companies?limit=200')).json();
    expect(seen).toEqual(all.items.map((c: { id: string }) => c.id));
  });

  describe('refusals: problem+json, and nothing appended', () => {
    const refusals: Array<[string, () => RequestInit & { auth?: boolean | string; path?: string }, number]> = [
      ['a missing name', () => ({ method: 'POST', body: JSON.stringify({ userLicenses: 1 }) }), 400],
      ['an unknown field', () => ({ method: 'POST', body: JSON.stringify({ name: 'X', isAdmin: true }) }), 400],
      ['a wrong type', () => ({ method: 'POST', body: JSON.stringify({ name: 42 }) }), 400],
      ['licences as a string', () => ({ method: 'POST', body: JSON.stringify({ name: 'X', userLicenses: '5' }) }), 400],
      ['a blank name', () => ({ method: 'POST', body: JSON.stringify({ name: '   ' }) }), 400],
      ['an over-long name', () => ({ method: 'POST', body: JSON.stringify({ name: 'x'.repeat(201) }) }), 400],
      ['a body that is not JSON', () => ({ method: 'POST', body: '{"name":' }), 400],
      ['a JSON array', () => ({ method: 'POST', body: '[{"name":"X"}]' }), 400],
      ['a prototype-pollution body', () => ({ method: 'POST', body: '{"name":"X","__proto__":{"admin":true}}' }), 400],
      ['a 10 MB body', () => ({ method: 'POST', body: JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }) }), 413],
      ['no admin key', () => ({ method: 'POST', body: JSON.stringify({ name: 'X' }), auth: false }), 401],
      ['a wrong admin key', () => ({ method: 'POST', body: JSON.stringify({ name: 'X' }), auth: 'wrong-key' }), 401],
      ['an empty change', () => ({ method: 'PATCH', path: 'EXISTING', body: JSON.stringify({}) }), 400],
      [
        'a change to an unknown company',
        () => ({ method: 'PATCH', path: crypto.randomUUID(), body: JSON.stringify({ name: 'X' }) }),
        404,
      ],
      [
        'a malformed company id',
        () => ({ method: 'PATCH', path: 'not-a-uuid', body: JSON.stringify({ name: 'X' }) }),
        400,
      ],
    ];
    let existing: string;
    beforeAll(async () => {
      existing = (
        await (
          await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Target' }) })
        ).json()
      ).id;
    });

    it.each(refusals)('refuses %s', async (_, build, status) => {
      const { path, ...init } = build();
      const before = await head();
      const url = path ? `/api/admin/companies/${path === 'EXISTING' ? existing : path}` : '/api/admin/companies';
      const response = await service.request(url, init);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = await response.json();
      expect(problem).toMatchObject({
        status,
        title: expect.any(String),
        traceId: response.headers.get('x-request-id'),
      });
      if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await head()).toBe(before);
    });

    it('guards reads too', async () => {
      expect((await service.request('/api/admin/companies', { auth: false })).status).toBe(401);
      expect((await service.request(`/api/admin/companies/${existing}`, { auth: 'nope' })).status).toBe(401);
    });

    it('answers 404 for a company that does not exist and 400 for a forged cursor', async () => {
      expect((await service.request(`/api/admin/companies/${crypto.randomUUID()}`)).status).toBe(404);
      const forged = await service.request('/api/admin/companies?cursor=bm9wZQ');
      expect(forged.status).toBe(400);
      expect(await forged.json()).toMatchObject({ code: 'invalid_cursor' });
    });
  });

  it('reports health', async () => {
    expect(await (await service.request('/health/live', { auth: false })).json()).toEqual({ status: 'ok' });
    const ready = await service.request('/health/ready', { auth: false });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      eventStore: { state: 'up', server: expect.stringMatching(/^(SQLite 3\.|EventStoreDB \d)/) },
      readStore: { state: 'up', server: expect.stringMatching(/^(SQLite 3\.|MongoDB \d.*(replica set|mongos))/) },
      projections: [
        'companies',
        'clients',
        'agents',
        'users',
        'grants',
        'audit_index',
        'pending_registrations',
        'grant_cascade',
      ].map((name) => expect.objectContaining({ name, state: 'live' })),
    });
  });
});
