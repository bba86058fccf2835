import { CLIENT_SCOPES } from '../../src/clients/client.events';
import { MAX_COMPANY_NAME_LENGTH, MAX_USER_LICENSES } from '../../src/companies/company.decider';
import { type RunningApp, startApp } from '../support/running-app';
import { exited, startServerProcess } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

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

  it('describes each body with its types, validation bounds, enums and doc comments (src/metadata.ts)', async () => {
    const { components } = await (await service.request('/docs/json', { auth: false })).json();
    expect(components.schemas.RegisterCompanyBody).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: MAX_COMPANY_NAME_LENGTH },
        userLicenses: {
          type: 'number',
          nullable: true,
          description: 'Omitted or null: no limit on active users.',
          minimum: 0,
          maximum: MAX_USER_LICENSES,
        },
      },
      required: ['name'],
    });
    expect(components.schemas.RegisterClientBody.properties).toMatchObject({
      scopes: { type: 'array', items: { type: 'string', enum: [...CLIENT_SCOPES] } },
      type: { enum: ['confidential', 'public'] },
    });
  });

  it('is the same document from the built service (dist/, compiled by SWC) as from the sources', async () => {
    const built = await startServerProcess({ DATA_DIR: temporaryDirectory() });
    try {
      const fromBuild = await (await fetch(`${built.baseUrl}/docs/json`)).json();
      const fromSources = await (await service.request('/docs/json', { auth: false })).json();
      expect(fromBuild).toEqual(fromSources);
    } finally {
      built.child.kill('SIGTERM');
      await exited(built.child);
    }
  });

  it('serves the interactive documentation at /docs', async () => {
    const page = await service.request('/docs', { auth: false });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');
  });
});
