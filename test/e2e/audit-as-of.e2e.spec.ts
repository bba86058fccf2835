import { RunningApp, startApp } from '../support/running-app';

/** Time travel: a user and a client as they stood at an instant, folded from their events. */
describe('audit as-of', () => {
  let service: RunningApp;
  let companyId: string;
  let agentId: string;
  let clientId: string;
  const post = async (path: string, body: unknown = {}) =>
    (await service.request(path, { method: 'POST', body: JSON.stringify(body) })).json();
  const tick = () => new Promise((resolve) => setTimeout(resolve, 15));
  const asOf = async (path: string, at: string) => service.request(`${path}?at=${encodeURIComponent(at)}`);

  beforeAll(async () => {
    service = await startApp();
    companyId = (await post('/api/admin/companies', { name: 'Then' })).id;
    agentId = (await post(`/api/admin/companies/${companyId}/agents`, { name: 'Bot' })).agentId;
    clientId = (await post('/api/admin/clients', { companyId, name: 'App', redirectUris: ['https://a.example/cb'] }))
      .clientId;
    await post('/api/admin/users', {
      id: 'u1',
      companyId,
      email: 'u1@example.com',
      firstName: 'U',
      lastName: 'One',
      role: 'user',
    });
  });
  afterAll(() => service.close());

  it('answers what the user looked like before and after each change', async () => {
    await tick();
    const beforeGrant = new Date().toISOString();
    await tick();
    await post('/api/admin/users/u1/agents', { agentId });
    await tick();
    const granted = new Date().toISOString();
    await tick();
    await post('/api/admin/users/u1/deactivate');

    const then = await (await asOf('/api/admin/audit/users/u1/as-of', beforeGrant)).json();
    expect(then.user).toMatchObject({ status: 'active', agents: [], role: 'user', companyId });
    const later = await (await asOf('/api/admin/audit/users/u1/as-of', granted)).json();
    expect(later.user).toMatchObject({ status: 'active', agents: [agentId] });
    const now = await (await asOf('/api/admin/audit/users/u1/as-of', new Date().toISOString())).json();
    expect(now.user).toMatchObject({ status: 'deactivated' });
    expect(now.revision).toBeGreaterThan(later.revision);
  });

  it('answers a client’s redirect URIs and status at an instant', async () => {
    await tick();
    const before = new Date().toISOString();
    await tick();
    await post(`/api/admin/clients/${clientId}/redirect-uris`, { uri: 'https://a.example/two' });
    await post(`/api/admin/clients/${clientId}/disable`);
    const then = await (await asOf(`/api/admin/audit/clients/${clientId}/as-of`, before)).json();
    expect(then.client).toMatchObject({ status: 'active', redirectUris: ['https://a.example/cb'] });
    expect(JSON.stringify(then)).not.toMatch(/sha256:/);
    const now = await (await asOf(`/api/admin/audit/clients/${clientId}/as-of`, new Date().toISOString())).json();
    expect(now.client).toMatchObject({
      status: 'disabled',
      redirectUris: ['https://a.example/cb', 'https://a.example/two'],
    });
  });

  it('is 404 before the aggregate existed, and 400 without a valid instant', async () => {
    expect((await asOf('/api/admin/audit/users/u1/as-of', '2000-01-01T00:00:00Z')).status).toBe(404);
    expect((await service.request('/api/admin/audit/users/u1/as-of')).status).toBe(400);
    expect((await asOf('/api/admin/audit/users/u1/as-of', 'yesterday')).status).toBe(400);
  });
});
