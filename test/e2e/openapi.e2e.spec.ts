import { type RunningApp, startApp } from '../support/running-app';

describe('OpenAPI', () => {
  let service: RunningApp;
  beforeAll(async () => (service = await startApp()));
  afterAll(() => service.close());

  it('documents every admin route with its admin security at /docs/json', async () => {
    const response = await service.request('/docs/json', { auth: false });
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: 'airisk-identity' } });
    const operations = Object.entries(document.paths as Record<string, Record<string, { security?: unknown }>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    const routes = operations.map(({ route }) => route);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/admin/companies',
        'GET /api/admin/companies',
        'GET /api/admin/companies/{id}',
        'PATCH /api/admin/companies/{id}',
        'POST /api/admin/clients',
        'GET /api/admin/clients',
        'GET /api/admin/clients/{clientId}',
        'POST /api/admin/clients/{clientId}/redirect-uris',
        'DELETE /api/admin/clients/{clientId}/redirect-uris',
        'POST /api/admin/clients/{clientId}/secret',
        'POST /api/admin/clients/{clientId}/disable',
        'POST /api/admin/clients/{clientId}/enable',
        'PUT /api/admin/clients/{clientId}/pkce',
        'POST /api/admin/companies/{companyId}/agents',
        'GET /api/admin/companies/{companyId}/agents',
        'GET /api/admin/agents/{agentId}',
        'PATCH /api/admin/agents/{agentId}',
        'POST /api/admin/agents/{agentId}/retire',
        'POST /api/admin/users',
        'GET /api/admin/users',
        'GET /api/admin/users/{userId}',
        'PATCH /api/admin/users/{userId}',
        'POST /api/admin/users/{userId}/agents',
        'DELETE /api/admin/users/{userId}/agents/{agentId}',
        'PUT /api/admin/users/{userId}/default-agent',
        'PUT /api/admin/users/{userId}/chat-settings',
        'POST /api/admin/users/{userId}/deactivate',
        'POST /api/admin/users/{userId}/reactivate',
      ]),
    );
    for (const { route, operation } of operations.filter(({ route }) => route.includes('/api/admin/'))) {
      expect({ route, security: operation.security }).toEqual({ route, security: [{ admin: [] }] });
    }
  });

  it('serves the interactive documentation at /docs', async () => {
    const page = await service.request('/docs', { auth: false });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');
  });
});
