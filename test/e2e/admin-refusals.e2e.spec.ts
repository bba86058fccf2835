import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition } from '../../src/platform/event-store/position';
import { type JsonResponse, type RunningApp, startApp } from '../support/running-app';

/** One refused request: where it goes and what it carries. */
interface Attempt {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** A raw body, sent as is. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  readonly auth?: boolean | string;
}

/** [what is wrong, the request, the status, the problem's `code` (undefined: the app sets none), the field named]. */
type Refusal = [string, () => Attempt, number, string | undefined, string?];

/**
 * Every refusal an admin can meet on the client, agent and user routes answers problem+json with
 * the right status and code, and records nothing: the event store's head does not move.
 */
describe('admin refusals: problem+json, and nothing appended', () => {
  let service: RunningApp;
  const head = async () => formatPosition(await service.app.get(EventStore).headPosition());

  // Set up once, used by the tables below.
  let companyId: string; // unlimited licences
  let otherCompanyId: string;
  let agentId: string;
  let otherCompanyAgentId: string;
  let retiredAgentId: string;
  let confidentialId: string;
  let publicId: string;
  let fullClientId: string; // holds 20 redirect URIs
  const userId = 'refusal_user';
  const takenEmail = 'Taken.Person@Example.com';
  const okUri = 'https://app.example.com/callback';

  async function send(attempt: Attempt): Promise<JsonResponse> {
    const body = attempt.raw ?? (attempt.body === undefined ? undefined : JSON.stringify(attempt.body));
    return service.request(attempt.path, {
      method: attempt.method,
      ...(body !== undefined ? { body } : {}),
      ...(attempt.headers ? { headers: attempt.headers } : {}),
      ...(attempt.auth !== undefined ? { auth: attempt.auth } : {}),
    });
  }

  async function created(path: string, body: unknown): Promise<Record<string, string>> {
    const response = await send({ method: 'POST', path, body });
    expect(response.status).toBe(201);
    return response.json();
  }

  beforeAll(async () => {
    service = await startApp();
    companyId = (await created('/api/admin/companies', { name: 'Refusal Co' })).id;
    otherCompanyId = (await created('/api/admin/companies', { name: 'Other Co' })).id;
    agentId = (await created(`/api/admin/companies/${companyId}/agents`, { name: 'Helper' })).agentId;
    otherCompanyAgentId = (await created(`/api/admin/companies/${otherCompanyId}/agents`, { name: 'Theirs' })).agentId;
    retiredAgentId = (await created(`/api/admin/companies/${companyId}/agents`, { name: 'Old' })).agentId;
    expect((await send({ method: 'POST', path: `/api/admin/agents/${retiredAgentId}/retire` })).status).toBe(200);
    const client = (body: object) => ({ companyId, name: 'App', redirectUris: [okUri], ...body });
    confidentialId = (await created('/api/admin/clients', client({}))).clientId;
    publicId = (await created('/api/admin/clients', client({ type: 'public' }))).clientId;
    const twenty = Array.from({ length: 20 }, (_, i) => `https://app.example.com/cb/${i}`);
    fullClientId = (await created('/api/admin/clients', client({ redirectUris: twenty }))).clientId;
    await created('/api/admin/users', {
      id: userId,
      companyId,
      email: takenEmail,
      firstName: 'Taken',
      lastName: 'Person',
      role: 'user',
    });
  });
  afterAll(async () => service.close());

  async function expectRefusal(build: () => Attempt, status: number, code: string | undefined, field?: string) {
    const attempt = build();
    const before = await head();
    const response = await send(attempt);
    expect({ status: response.status }).toEqual({ status });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await response.json();
    expect(problem).toMatchObject({
      type: 'about:blank',
      status,
      title: expect.any(String),
      traceId: response.headers.get('x-request-id'),
    });
    if (code) expect(problem.code).toBe(code);
    if (field) expect(problem.errors).toContainEqual({ field, messages: expect.any(Array) });
    if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await head()).toBe(before);
  }

  describe('clients', () => {
    const register = (body: object): Attempt => ({
      method: 'POST',
      path: '/api/admin/clients',
      body: { companyId, name: 'New App', redirectUris: [okUri], ...body },
    });
    const of = (id: () => string, rest: string, attempt: Partial<Attempt> = {}): Attempt => ({
      method: 'POST',
      path: `/api/admin/clients/${id()}${rest}`,
      ...attempt,
    });
    const refusals: Refusal[] = [
      ['an unknown field', () => register({ isAdmin: true }), 400, 'validation_failed', 'isAdmin'],
      ['a name that is not a string', () => register({ name: 42 }), 400, 'validation_failed', 'name'],
      [
        'a missing name',
        () => ({ ...register({}), body: { companyId, redirectUris: [okUri] } }),
        400,
        'validation_failed',
        'name',
      ],
      ['a blank name', () => register({ name: '   ' }), 400, 'invalid_client_name'],
      ['a name over 200 characters', () => register({ name: 'x'.repeat(201) }), 400, 'validation_failed', 'name'],
      [
        'redirectUris that is not a list',
        () => register({ redirectUris: okUri }),
        400,
        'validation_failed',
        'redirectUris',
      ],
      [
        'a redirect URI that is not a string',
        () => register({ redirectUris: [42] }),
        400,
        'validation_failed',
        'redirectUris',
      ],
      [
        'a redirect URI over 2048 characters',
        () => register({ redirectUris: [`https://app.example.com/${'a'.repeat(2048)}`] }),
        400,
        'validation_failed',
        'redirectUris',
      ],
      [
        'a plain-http, non-loopback redirect URI',
        () => register({ redirectUris: ['http://app.example.com/cb'] }),
        400,
        'invalid_redirect_uri',
      ],
      [
        'a redirect URI with a fragment',
        () => register({ redirectUris: ['https://app.example.com/cb#top'] }),
        400,
        'invalid_redirect_uri',
      ],
      ['a relative redirect URI', () => register({ redirectUris: ['/callback'] }), 400, 'invalid_redirect_uri'],
      [
        'a redirect URI with credentials',
        () => register({ redirectUris: ['https://me:pw@app.example.com/cb'] }),
        400,
        'invalid_redirect_uri',
      ],
      [
        'a javascript: redirect URI',
        () => register({ redirectUris: ['javascript:alert(1)'] }),
        400,
        'invalid_redirect_uri',
      ],
      [
        'more than 20 redirect URIs',
        () => register({ redirectUris: Array.from({ length: 21 }, (_, i) => `https://app.example.com/${i}`) }),
        400,
        'validation_failed',
        'redirectUris',
      ],
      ['duplicate redirect URIs', () => register({ redirectUris: [okUri, okUri] }), 400, 'duplicate_redirect_uri'],
      ['an unknown scope', () => register({ scopes: ['superuser'] }), 400, 'validation_failed', 'scopes'],
      ['an unknown client type', () => register({ type: 'private' }), 400, 'validation_failed', 'type'],
      [
        'allowUserTokens as a string',
        () => register({ allowUserTokens: 'yes' }),
        400,
        'validation_failed',
        'allowUserTokens',
      ],
      ['an unknown company', () => register({ companyId: crypto.randomUUID() }), 404, 'company_not_found'],
      ['a malformed companyId', () => register({ companyId: 'not-a-uuid' }), 400, 'validation_failed', 'companyId'],
      [
        'a body that is not JSON',
        () => ({ method: 'POST', path: '/api/admin/clients', raw: '{"name":' }),
        400,
        undefined,
      ],
      ['no admin key', () => ({ ...register({}), auth: false }), 401, undefined],
      ['a wrong admin key', () => ({ ...register({}), auth: 'not-the-admin-key' }), 401, undefined],
      // changes to an existing client
      [
        'adding an invalid redirect URI',
        () => of(() => confidentialId, '/redirect-uris', { body: { uri: 'http://evil.example/cb' } }),
        400,
        'invalid_redirect_uri',
      ],
      [
        'adding a redirect URI over 2048 characters',
        () =>
          of(() => confidentialId, '/redirect-uris', { body: { uri: `https://app.example.com/${'a'.repeat(2048)}` } }),
        400,
        'validation_failed',
        'uri',
      ],
      [
        'adding a redirect URI with an unknown field',
        () => of(() => confidentialId, '/redirect-uris', { body: { uri: okUri, primary: true } }),
        400,
        'validation_failed',
        'primary',
      ],
      [
        'adding a redirect URI the client already has',
        () => of(() => confidentialId, '/redirect-uris', { body: { uri: okUri } }),
        409,
        'redirect_uri_exists',
      ],
      [
        'adding a 21st redirect URI',
        () => of(() => fullClientId, '/redirect-uris', { body: { uri: 'https://app.example.com/cb/20' } }),
        409,
        'too_many_redirect_uris',
      ],
      [
        'adding a redirect URI to an unknown client',
        () => of(() => crypto.randomUUID(), '/redirect-uris', { body: { uri: okUri } }),
        404,
        'client_not_found',
      ],
      [
        'removing a redirect URI the client does not have',
        () =>
          of(() => confidentialId, `/redirect-uris?uri=${encodeURIComponent('https://app.example.com/other')}`, {
            method: 'DELETE',
          }),
        404,
        'redirect_uri_not_found',
      ],
      [
        'removing a redirect URI without naming it',
        () => of(() => confidentialId, '/redirect-uris', { method: 'DELETE' }),
        400,
        'validation_failed',
        'uri',
      ],
      ['rotating a public client’s secret', () => of(() => publicId, '/secret'), 409, 'public_client'],
      ['rotating an unknown client’s secret', () => of(() => crypto.randomUUID(), '/secret'), 404, 'client_not_found'],
      ['disabling an unknown client', () => of(() => crypto.randomUUID(), '/disable'), 404, 'client_not_found'],
      ['enabling an unknown client', () => of(() => crypto.randomUUID(), '/enable'), 404, 'client_not_found'],
      ['a malformed client id', () => of(() => 'not-a-uuid', '/disable'), 400, undefined],
      [
        'rotating a secret without the admin key',
        () => ({ ...of(() => confidentialId, '/secret'), auth: false }),
        401,
        undefined,
      ],
    ];
    // Rest parameters: rows without a field name must not make jest think the test takes `done`.
    it.each(refusals)('refuses %s', async (...[, build, status, code, field]: Refusal) =>
      expectRefusal(build, status, code, field),
    );

    it('accepts the limits exactly: a 200-character name, 20 redirect URIs, one of 2048 characters', async () => {
      const long = `https://app.example.com/${'a'.repeat(2048 - 'https://app.example.com/'.length)}`;
      const redirectUris = [long, ...Array.from({ length: 19 }, (_, i) => `https://app.example.com/cb/${i}`)];
      const response = await send(register({ name: 'n'.repeat(200), redirectUris }));
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ name: 'n'.repeat(200), redirectUris });
    });
  });

  describe('agents', () => {
    const register = (body: object, company = () => companyId): Attempt => ({
      method: 'POST',
      path: `/api/admin/companies/${company()}/agents`,
      body: { name: 'New Agent', ...body },
    });
    const patch = (body: object, headers?: Record<string, string>, id = () => agentId): Attempt => ({
      method: 'PATCH',
      path: `/api/admin/agents/${id()}`,
      body,
      ...(headers ? { headers } : {}),
    });
    const refusals: Refusal[] = [
      ['an unknown field', () => register({ model: 'gpt' }), 400, 'validation_failed', 'model'],
      ['a name that is not a string', () => register({ name: ['x'] }), 400, 'validation_failed', 'name'],
      ['a name over 200 characters', () => register({ name: 'x'.repeat(201) }), 400, 'validation_failed', 'name'],
      ['a blank name', () => register({ name: ' ' }), 400, 'invalid_agent_name'],
      ['maxMessages of 0', () => register({ maxMessages: 0 }), 400, 'validation_failed', 'maxMessages'],
      ['maxMessages over 1000', () => register({ maxMessages: 1001 }), 400, 'validation_failed', 'maxMessages'],
      ['a fractional maxMessages', () => register({ maxMessages: 2.5 }), 400, 'validation_failed', 'maxMessages'],
      ['a temperature over 2', () => register({ temperature: 2.5 }), 400, 'validation_failed', 'temperature'],
      ['a temperature as a string', () => register({ temperature: '0.5' }), 400, 'validation_failed', 'temperature'],
      ['an unknown company', () => register({}, () => crypto.randomUUID()), 404, 'company_not_found'],
      ['a malformed company id', () => register({}, () => 'not-a-uuid'), 400, undefined],
      ['no admin key', () => ({ ...register({}), auth: false }), 401, undefined],
      // changes to an existing agent
      ['a change with a temperature over 2', () => patch({ temperature: 3 }), 400, 'validation_failed', 'temperature'],
      [
        'a change with a negative temperature',
        () => patch({ temperature: -0.1 }),
        400,
        'validation_failed',
        'temperature',
      ],
      ['a change with maxMessages of 0', () => patch({ maxMessages: 0 }), 400, 'validation_failed', 'maxMessages'],
      [
        'a change with an unknown field',
        () => patch({ name: 'X', companyId: otherCompanyId }),
        400,
        'validation_failed',
        'companyId',
      ],
      ['an empty change', () => patch({}), 400, 'empty_change'],
      [
        'a change to an unknown agent',
        () => patch({ name: 'X' }, undefined, () => crypto.randomUUID()),
        404,
        'agent_not_found',
      ],
      [
        'a change to a retired agent',
        () => patch({ name: 'X' }, undefined, () => retiredAgentId),
        409,
        'agent_retired',
      ],
      ['a malformed If-Match', () => patch({ name: 'X' }, { 'if-match': '0' }), 400, 'invalid_if_match'],
      ['a weak If-Match', () => patch({ name: 'X' }, { 'if-match': 'W/"0"' }), 400, 'invalid_if_match'],
      ['a stale If-Match', () => patch({ name: 'X' }, { 'if-match': '"7"' }), 412, 'stale_revision'],
      [
        'retiring an unknown agent',
        () => ({ method: 'POST', path: `/api/admin/agents/${crypto.randomUUID()}/retire` }),
        404,
        'agent_not_found',
      ],
      ['a malformed agent id', () => patch({ name: 'X' }, undefined, () => 'agent-1'), 400, undefined],
    ];
    // Rest parameters: rows without a field name must not make jest think the test takes `done`.
    it.each(refusals)('refuses %s', async (...[, build, status, code, field]: Refusal) =>
      expectRefusal(build, status, code, field),
    );
  });

  describe('users', () => {
    const register = (body: object): Attempt => ({
      method: 'POST',
      path: '/api/admin/users',
      body: { companyId, email: 'someone.new@example.com', firstName: 'Some', lastName: 'One', role: 'user', ...body },
    });
    const on = (rest: string, attempt: Partial<Attempt> = {}, id = () => userId): Attempt => ({
      method: 'POST',
      path: `/api/admin/users/${id()}${rest}`,
      ...attempt,
    });
    const refusals: Refusal[] = [
      ['an unknown field', () => register({ password: 'hunter2' }), 400, 'validation_failed', 'password'],
      ['a firstName that is not a string', () => register({ firstName: 42 }), 400, 'validation_failed', 'firstName'],
      [
        'a firstName over 100 characters',
        () => register({ firstName: 'x'.repeat(101) }),
        400,
        'validation_failed',
        'firstName',
      ],
      ['a userid over 128 characters', () => register({ id: 'u'.repeat(129) }), 400, 'validation_failed', 'id'],
      ['a userid with a space', () => register({ id: 'user 42' }), 400, 'validation_failed', 'id'],
      ['a userid with a slash', () => register({ id: 'user/42' }), 400, 'validation_failed', 'id'],
      ['a userid with non-ASCII letters', () => register({ id: 'jürgen' }), 400, 'validation_failed', 'id'],
      ['an empty userid', () => register({ id: '' }), 400, 'validation_failed', 'id'],
      ['a whitespace-only last name', () => register({ lastName: '   ' }), 400, 'invalid_user_name'],
      ['an invalid email', () => register({ email: 'not-an-email' }), 400, 'validation_failed', 'email'],
      ['an unknown role', () => register({ role: 'superadmin' }), 400, 'validation_failed', 'role'],
      ['an unknown company', () => register({ companyId: crypto.randomUUID() }), 404, 'company_not_found'],
      ['a malformed companyId', () => register({ companyId: 'acme' }), 400, 'validation_failed', 'companyId'],
      ['a userid that exists', () => register({ id: userId }), 409, 'user_exists'],
      [
        'a userid that exists in another company',
        () => register({ id: userId, companyId: otherCompanyId }),
        409,
        'user_exists',
      ],
      [
        'an email taken in the same company, in other case',
        () => register({ email: takenEmail.toUpperCase() }),
        409,
        'email_taken',
      ],
      ['no admin key', () => ({ ...register({}), auth: false }), 401, undefined],
      // agents of a user
      [
        'granting an agent of another company',
        () => on('/agents', { body: { agentId: otherCompanyAgentId } }),
        404,
        'agent_not_found',
      ],
      [
        'granting an unknown agent',
        () => on('/agents', { body: { agentId: crypto.randomUUID() } }),
        404,
        'agent_not_found',
      ],
      [
        'granting a malformed agent id',
        () => on('/agents', { body: { agentId: 'agent-1' } }),
        400,
        'validation_failed',
        'agentId',
      ],
      [
        'granting to an unknown user',
        () => on('/agents', { body: { agentId } }, () => 'nobody_here'),
        404,
        'user_not_found',
      ],
      [
        'a default agent that is not granted',
        () => on('/default-agent', { method: 'PUT', body: { agentId } }),
        409,
        'agent_not_granted',
      ],
      [
        'revoking an agent that is not granted',
        () => on(`/agents/${agentId}`, { method: 'DELETE' }),
        404,
        'agent_not_granted',
      ],
      // chat settings and profile
      [
        'chat settings with maxMessages 0',
        () => on('/chat-settings', { method: 'PUT', body: { maxMessages: 0 } }),
        400,
        'validation_failed',
        'maxMessages',
      ],
      [
        'chat settings with a temperature of 5',
        () => on('/chat-settings', { method: 'PUT', body: { temperature: 5 } }),
        400,
        'validation_failed',
        'temperature',
      ],
      [
        'chat settings with an unknown field',
        () => on('/chat-settings', { method: 'PUT', body: { topP: 0.9 } }),
        400,
        'validation_failed',
        'topP',
      ],
      [
        'a change with an unknown role',
        () => on('', { method: 'PATCH', body: { role: 'root' } }),
        400,
        'validation_failed',
        'role',
      ],
      [
        'a change to the email',
        () => on('', { method: 'PATCH', body: { email: 'new@example.com' } }),
        400,
        'validation_failed',
        'email',
      ],
      ['an empty change', () => on('', { method: 'PATCH', body: {} }), 400, 'empty_change'],
      [
        'a change to an unknown user',
        () => on('', { method: 'PATCH', body: { firstName: 'X' } }, () => 'nobody_here'),
        404,
        'user_not_found',
      ],
      [
        'a malformed If-Match',
        () => on('', { method: 'PATCH', body: { firstName: 'X' }, headers: { 'if-match': 'abc' } }),
        400,
        'invalid_if_match',
      ],
      [
        'a stale If-Match',
        () => on('', { method: 'PATCH', body: { firstName: 'X' }, headers: { 'if-match': '"5"' } }),
        412,
        'stale_revision',
      ],
      [
        'a userid path with invalid characters',
        () => on('', { method: 'PATCH', body: { firstName: 'X' } }, () => 'bad%20id'),
        400,
        'invalid_user_id',
      ],
      ['deactivating an unknown user', () => on('/deactivate', {}, () => 'nobody_here'), 404, 'user_not_found'],
      ['reactivating an unknown user', () => on('/reactivate', {}, () => 'nobody_here'), 404, 'user_not_found'],
      [
        'a change without the admin key',
        () => on('', { method: 'PATCH', body: { firstName: 'X' }, auth: false }),
        401,
        undefined,
      ],
    ];
    // Rest parameters: rows without a field name must not make jest think the test takes `done`.
    it.each(refusals)('refuses %s', async (...[, build, status, code, field]: Refusal) =>
      expectRefusal(build, status, code, field),
    );

    it('accepts the same email in another company', async () => {
      const response = await send(register({ companyId: otherCompanyId, email: takenEmail.toLowerCase() }));
      expect(response.status).toBe(201);
      const user = await response.json();
      expect(user).toMatchObject({ companyId: otherCompanyId, email: takenEmail.toLowerCase(), status: 'active' });
      const read = await send({ method: 'GET', path: `/api/admin/users/${user.id}` });
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual(user);
    });

    it('accepts a userid of exactly 128 characters', async () => {
      const id = `${'a'.repeat(120)}.b_c@d:e`.padEnd(128, '-');
      const response = await send(register({ id, email: 'long.id@example.com' }));
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ id });
      const list = await send({
        method: 'GET',
        path: `/api/admin/users?companyId=${companyId}&email=long.id%40example.com`,
      });
      expect((await list.json()).items).toEqual([expect.objectContaining({ id })]);
      const read = await send({ method: 'GET', path: `/api/admin/users/${encodeURIComponent(id)}` });
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id });
    });
  });

  it('answers 404 problem+json for reads of unknown clients, agents and users', async () => {
    for (const path of [
      `/api/admin/clients/${crypto.randomUUID()}`,
      `/api/admin/agents/${crypto.randomUUID()}`,
      '/api/admin/users/nobody_here',
    ]) {
      const response = await service.request(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await service.request(`/api/admin/clients/${confidentialId}`, { auth: false })).status).toBe(401);
    expect((await service.request('/api/admin/users/refusal_user', { auth: false })).status).toBe(401);
  });
});
