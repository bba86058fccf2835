import { EventStore } from '../../src/platform/event-store/event-store';
import { ProjectionRunner } from '../../src/platform/projections/projection-runner';
import { type RunningApp, startApp } from '../support/running-app';

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

  it('answers who could use an agent at an instant', async () => {
    await post('/api/admin/users', {
      id: 'u2',
      companyId,
      email: 'u2@example.com',
      firstName: 'U',
      lastName: 'Two',
      role: 'user',
    });
    await post('/api/admin/users/u2/agents', { agentId });
    await tick();
    const both = new Date().toISOString();
    await tick();
    await service.request(`/api/admin/users/u2/agents/${agentId}`, { method: 'DELETE' });
    // u1 was granted the agent but deactivated in the first test: only u2 could use it then, nobody now.
    const then = await (await asOf(`/api/admin/audit/agents/${agentId}/access`, both)).json();
    expect(then.users).toEqual(['u2']);
    const now = await (await asOf(`/api/admin/audit/agents/${agentId}/access`, new Date().toISOString())).json();
    expect(now.users).toEqual([]);
  });

  it('answers which grants had a live token at an instant, for a client', async () => {
    const client = await post('/api/admin/clients', {
      companyId,
      name: 'Tokens',
      redirectUris: ['https://t.example/cb'],
    });
    const token = async () =>
      (
        await fetch(`${service.baseUrl}/api/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: client.clientId,
            client_secret: client.clientSecret,
          }),
        })
      ).json();
    await token();
    await tick();
    const one = new Date().toISOString();
    await tick();
    await token();
    const at = (instant: string) =>
      service.request(`/api/admin/audit/tokens/active?at=${encodeURIComponent(instant)}&clientId=${client.clientId}`);
    expect((await (await at(one)).json()).grants).toHaveLength(1);
    expect((await (await at(new Date().toISOString())).json()).grants).toHaveLength(2);
    await post('/api/admin/tokens/revoke', { clientId: client.clientId });
    const after = await (await at(new Date().toISOString())).json();
    expect(after.grants).toEqual([]);
    expect((await service.request(`/api/admin/audit/tokens/active?at=${encodeURIComponent(one)}`)).status).toBe(400);

    // The cutoff ended both at once; each grant records its TokenRevoked soon after (the cascade reactor).
    const head = await service.app.get(EventStore).headPosition();
    expect(await service.app.get(ProjectionRunner).waitForPosition('grant_cascade', head, 10_000)).toBe(true);
    // Every grant event names its client, so filtering by client shows the revocations too.
    const revocations = await (
      await service.request(`/api/admin/audit/events?clientId=${client.clientId}&type=TokenRevoked`)
    ).json();
    expect(revocations.items).toHaveLength(2);
    expect(revocations.items.every((item: { data: { reason: string } }) => item.data.reason === 'admin')).toBe(true);
  });

  it('combines every filter with AND, category and stream included', async () => {
    const none = await (await service.request('/api/admin/audit/events?stream=user-u1&category=client')).json();
    expect(none.items).toEqual([]);
    const some = await (await service.request('/api/admin/audit/events?stream=user-u1&category=user')).json();
    expect(some.items.length).toBeGreaterThan(0);
  });

  it('is 404 before the aggregate existed, and 400 without a valid instant', async () => {
    expect((await asOf('/api/admin/audit/users/u1/as-of', '2000-01-01T00:00:00Z')).status).toBe(404);
    expect((await service.request('/api/admin/audit/users/u1/as-of')).status).toBe(400);
    expect((await asOf('/api/admin/audit/users/u1/as-of', 'yesterday')).status).toBe(400);
  });
});
