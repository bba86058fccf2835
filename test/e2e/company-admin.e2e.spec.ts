import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type RunningApp, startApp } from '../support/running-app';

/**
 * A client registered with the `admin` scope gets a client_credentials token that administers its own
 * company, and nothing else: another company's resources are 404, cross-tenant operations 403.
 */
describe('company administrators (admin-scoped access tokens)', () => {
  let service: RunningApp;
  let companyA: string;
  let companyB: string;
  let adminClient: { clientId: string; clientSecret: string };
  let foreignClientId: string;
  let token: string;
  const redirectUri = 'https://admin.example.com/callback';
  const head = async () => formatPosition(await service.app.get(EventStore).headPosition());
  const asCompanyAdmin = (path: string, init: RequestInit = {}) => service.request(path, { ...init, auth: token });
  const post = (path: string, body: unknown) => service.request(path, { method: 'POST', body: JSON.stringify(body) });

  const clientCredentials = async (scope?: string) => {
    const response = await fetch(`${service.baseUrl}/api/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${adminClient.clientId}:${adminClient.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
    });
    return (await response.json()) as { access_token: string; scope: string };
  };

  beforeAll(async () => {
    service = await startApp();
    companyA = (await (await post('/api/admin/companies', { name: 'A' })).json()).id;
    companyB = (await (await post('/api/admin/companies', { name: 'B' })).json()).id;
    adminClient = await (
      await post('/api/admin/clients', {
        companyId: companyA,
        name: 'A admin',
        redirectUris: [redirectUri],
        scopes: ['admin'],
      })
    ).json();
    foreignClientId = (
      await (
        await post('/api/admin/clients', { companyId: companyB, name: 'B app', redirectUris: [redirectUri] })
      ).json()
    ).clientId;
    await post('/api/admin/users', {
      id: 'b-user',
      companyId: companyB,
      email: 'b@example.com',
      firstName: 'B',
      lastName: 'User',
      role: 'user',
    });
    const granted = await clientCredentials('admin');
    expect(granted.scope).toBe('admin');
    token = granted.access_token;
  });
  afterAll(() => service.close());

  it('sees only its own company', async () => {
    const list = await (await asCompanyAdmin('/api/admin/companies')).json();
    expect(list.items.map((company: { id: string }) => company.id)).toEqual([companyA]);
    expect((await asCompanyAdmin(`/api/admin/companies/${companyA}`)).status).toBe(200);
    const other = await asCompanyAdmin(`/api/admin/companies/${companyB}`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'company_not_found' });
  });

  it('administers clients, agents and users of its company, recorded as the client', async () => {
    const client = await asCompanyAdmin('/api/admin/clients', {
      method: 'POST',
      body: JSON.stringify({ companyId: companyA, name: 'A app', redirectUris: [redirectUri] }),
    });
    expect(client.status).toBe(201);
    const agent = await asCompanyAdmin(`/api/admin/companies/${companyA}/agents`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Bot' }),
    });
    expect(agent.status).toBe(201);
    const user = await asCompanyAdmin('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        id: 'a-user',
        companyId: companyA,
        email: 'a@example.com',
        firstName: 'A',
        lastName: 'User',
        role: 'user',
      }),
    });
    expect(user.status).toBe(201);
    const [registered] = await service.app.get(EventStore).readStream('user-a-user');
    expect(registered.metadata.actor).toEqual({ kind: 'client', id: adminClient.clientId });
    const users = await (await asCompanyAdmin('/api/admin/users')).json();
    expect(users.items.map((u: { id: string }) => u.id)).toEqual(['a-user']);
    const clients = await (await asCompanyAdmin('/api/admin/clients')).json();
    expect(clients.items.every((c: { companyId: string }) => c.companyId === companyA)).toBe(true);
  });

  it.each([
    ['reading another company’s client', () => ['GET', `/api/admin/clients/${foreignClientId}`, undefined], 404],
    [
      'disabling another company’s client',
      () => ['POST', `/api/admin/clients/${foreignClientId}/disable`, undefined],
      404,
    ],
    [
      'rotating another company’s client secret',
      () => ['POST', `/api/admin/clients/${foreignClientId}/secret`, undefined],
      404,
    ],
    ['listing another company’s clients', () => ['GET', `/api/admin/clients?companyId=${companyB}`, undefined], 404],
    [
      'creating a client in another company',
      () => ['POST', '/api/admin/clients', { companyId: companyB, name: 'X', redirectUris: [] }],
      404,
    ],
    [
      'creating an agent in another company',
      () => ['POST', `/api/admin/companies/${companyB}/agents`, { name: 'X' }],
      404,
    ],
    ['listing another company’s agents', () => ['GET', `/api/admin/companies/${companyB}/agents`, undefined], 404],
    ['reading another company’s user', () => ['GET', '/api/admin/users/b-user', undefined], 404],
    ['deactivating another company’s user', () => ['POST', '/api/admin/users/b-user/deactivate', undefined], 404],
    [
      'revoking another company’s tokens',
      () => ['POST', '/api/admin/tokens/revoke', { clientId: foreignClientId }],
      404,
    ],
    ['creating a company', () => ['POST', '/api/admin/companies', { name: 'Mine now' }], 403],
    ['changing its own licences', () => ['PATCH', `/api/admin/companies/${companyA}`, { userLicenses: 1000 }], 403],
    ['rotating the signing keys', () => ['POST', '/api/admin/keys/rotate', undefined], 403],
  ] as Array<[string, () => [string, string, unknown], number]>)(
    'refuses %s and appends nothing',
    async (_, request, status) => {
      const [method, path, body] = request();
      const before = await head();
      const response = await asCompanyAdmin(path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await head()).toBe(before);
    },
  );

  it('registers clients only with scopes its own token holds; the platform admin grants any', async () => {
    const register = (scopes: string[], as: (path: string, init: RequestInit) => Promise<Response>) =>
      as('/api/admin/clients', {
        method: 'POST',
        body: JSON.stringify({ companyId: companyA, name: 'Reviewer', redirectUris: [], scopes }),
      });
    const before = await head();
    const refused = await register(['audit:read'], asCompanyAdmin);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 403, code: 'scope_not_held' });
    expect((await register(['admin', 'audit:read'], asCompanyAdmin)).status).toBe(403);
    expect(await head()).toBe(before);
    expect((await register(['admin'], asCompanyAdmin)).status).toBe(201);
    expect((await register(['audit:read'], (path, init) => service.request(path, init))).status).toBe(201);
  });

  it('needs the admin scope, on a generic token of an enabled client', async () => {
    const unscoped = (await clientCredentials()).access_token;
    expect((await service.request('/api/admin/users', { auth: unscoped })).status).toBe(401);
    expect((await service.request('/api/admin/users', { auth: `${token}x` })).status).toBe(401);
    await post(`/api/admin/clients/${adminClient.clientId}/disable`, {});
    expect((await asCompanyAdmin('/api/admin/users')).status).toBe(401);
  });
});
