import { type RunningApp, startApp } from '../support/running-app';

/** How bodies are read: what real HTTP clients send besides the happy path. */
describe('request bodies', () => {
  let service: RunningApp;
  let companyId: string;
  beforeAll(async () => {
    service = await startApp();
    companyId = (
      await (
        await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Bodies' }) })
      ).json()
    ).id;
    await service.request('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        id: 'b1',
        companyId,
        email: 'b1@example.com',
        firstName: 'B',
        lastName: 'One',
        role: 'user',
      }),
    });
  });
  afterAll(() => service.close());

  it('takes a body-less action sent with Content-Type: application/json (as curl and many clients do)', async () => {
    const response = await service.request('/api/admin/users/b1/deactivate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'b1', status: 'deactivated' });
  });

  it('still refuses a JSON body that is not JSON, and prototype-poisoning keys', async () => {
    const broken = await service.request('/api/admin/companies', { method: 'POST', body: '{"name":' });
    expect(broken.status).toBe(400);
    const poisoned = await service.request('/api/admin/companies', {
      method: 'POST',
      body: '{"name":"X","constructor":{"prototype":{}}}',
    });
    expect(poisoned.status).toBe(400);
  });

  it('reads form bodies, with repeated fields as lists that OAuth refuses', async () => {
    const response = await fetch(`${service.baseUrl}/api/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=a&client_id=b',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
