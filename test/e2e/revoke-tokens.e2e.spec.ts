import { EventStore } from '../../src/platform/event-store/event-store';
import { formatPosition, parsePosition } from '../../src/platform/event-store/position';
import { ProjectionRunner } from '../../src/platform/projections/projection-runner';
import { type JsonResponse, type RunningApp, startApp } from '../support/running-app';

/** Admin mass revocation, checked the way a resource server would: by introspection. */
describe('POST /api/admin/tokens/revoke', () => {
  let service: RunningApp;
  let companyId: string;
  let clientId: string;
  let clientSecret: string;
  const redirectUri = 'https://app.example.com/callback';
  const basic = () => `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  const head = async () => formatPosition(await service.app.get(EventStore).headPosition());
  /** Once the cascade reactor has handled everything recorded so far (its revocations included). */
  const cascaded = async () =>
    expect(
      await service.app
        .get(ProjectionRunner)
        .waitForPosition('grant_cascade', await service.app.get(EventStore).headPosition(), 10_000),
    ).toBe(true);

  const form = (path: string, fields: Record<string, string>): Promise<JsonResponse> =>
    fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const active = async (token: string) => (await (await form('/api/oauth2/introspect', { token })).json()).active;
  const userToken = async (userid: string) => {
    const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, userid });
    const location = (await fetch(`${service.baseUrl}/api/oauth2?${query}`, { redirect: 'manual' })).headers.get(
      'location',
    )!;
    const code = new URL(location).searchParams.get('code')!;
    const response = await form('/api/oauth2/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      userid,
    });
    return (await response.json()).access_token as string;
  };
  const genericToken = async () =>
    (await (await form('/api/oauth2/token', { grant_type: 'client_credentials' })).json()).access_token as string;

  beforeAll(async () => {
    service = await startApp();
    const company = await (
      await service.request('/api/admin/companies', { method: 'POST', body: JSON.stringify({ name: 'Revokers' }) })
    ).json();
    const client = await (
      await service.request('/api/admin/clients', {
        method: 'POST',
        body: JSON.stringify({ companyId: company.id, name: 'App', redirectUris: [redirectUri] }),
      })
    ).json();
    ({ clientId, clientSecret } = client);
    companyId = company.id;
    for (const id of ['ann', 'bob']) {
      await service.request('/api/admin/users', {
        method: 'POST',
        body: JSON.stringify({
          id,
          companyId: company.id,
          email: `${id}@example.com`,
          firstName: id,
          lastName: 'X',
          role: 'user',
        }),
      });
    }
  });
  afterAll(() => service.close());

  it("ends one user's tokens and no one else's; new tokens for that user work", async () => {
    const [ann, bob, generic] = [await userToken('ann'), await userToken('bob'), await genericToken()];
    const response = await service.request('/api/admin/tokens/revoke', {
      method: 'POST',
      body: JSON.stringify({ userId: 'ann' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'ann' });
    expect([await active(ann), await active(bob), await active(generic)]).toEqual([false, true, true]);
    expect(await active(await userToken('ann'))).toBe(true);
    const events = await service.app.get(EventStore).readStream('user-ann');
    expect(events.at(-1)).toMatchObject({ type: 'UserTokensRevoked', metadata: { actor: { kind: 'admin' } } });
  });

  it('ends every token of a client, generic and user alike; the client keeps working', async () => {
    const [ann, generic] = [await userToken('ann'), await genericToken()];
    const response = await service.request('/api/admin/tokens/revoke', {
      method: 'POST',
      body: JSON.stringify({ clientId }),
    });
    expect(response.status).toBe(200);
    expect([await active(ann), await active(generic)]).toEqual([false, false]);
    expect(await active(await genericToken())).toBe(true);
  });

  it('records the revocation on every live grant with its reason: admin, user_deactivated, client_disabled', async () => {
    const grantOf = (token: string) => {
      const { jti } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string };
      return jti.slice(0, jti.lastIndexOf('.'));
    };
    const lastEvent = async (token: string) =>
      (await service.app.get(EventStore).readStream(`grant-${grantOf(token)}`)).at(-1);
    const [ann, bob] = [await userToken('ann'), await userToken('bob')];
    await service.request('/api/admin/tokens/revoke', { method: 'POST', body: JSON.stringify({ userId: 'ann' }) });
    await cascaded();
    expect(await lastEvent(ann)).toMatchObject({ type: 'TokenRevoked', data: { reason: 'admin' } });
    expect(await lastEvent(bob)).toMatchObject({ type: 'TokenIssued' });

    await service.request('/api/admin/users/bob/deactivate', { method: 'POST' });
    await cascaded();
    expect(await lastEvent(bob)).toMatchObject({ type: 'TokenRevoked', data: { reason: 'user_deactivated' } });
    await service.request('/api/admin/users/bob/reactivate', { method: 'POST' });

    const generic = await genericToken();
    await service.request(`/api/admin/clients/${clientId}/disable`, { method: 'POST' });
    await cascaded();
    expect(await lastEvent(generic)).toMatchObject({
      type: 'TokenRevoked',
      data: { reason: 'client_disabled' },
      metadata: { actor: { kind: 'admin' } },
    });
    expect(await lastEvent(ann)).toMatchObject({ data: { reason: 'admin' } }); // revoked once, not again
    await service.request(`/api/admin/clients/${clientId}/enable`, { method: 'POST' });
  });

  it('answers a disable of a client with 500 live grants at once, its tokens dead at once, each grant recorded soon after', async () => {
    const tokens = [];
    for (let batch = 0; batch < 10; batch++)
      tokens.push(...(await Promise.all(Array.from({ length: 50 }, genericToken))));
    const before = await head();
    const started = Date.now();
    const response = await service.request(`/api/admin/clients/${clientId}/disable`, { method: 'POST' });
    const answeredIn = Date.now() - started;
    expect(response.status).toBe(200);
    expect(answeredIn).toBeLessThan(500);
    // Asked by another client of the company: the disabled one can no longer authenticate.
    const inspector = await (
      await service.request('/api/admin/clients', {
        method: 'POST',
        body: JSON.stringify({ companyId, name: 'Inspector', redirectUris: [redirectUri] }),
      })
    ).json();
    const activeFor = async (token: string) => {
      const response = await fetch(`${service.baseUrl}/api/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: inspector.clientId, client_secret: inspector.clientSecret, token }),
      });
      return ((await response.json()) as { active: boolean }).active;
    };
    expect(await Promise.all(tokens.slice(0, 20).map(activeFor))).toEqual(Array(20).fill(false));
    await cascaded();
    const recorded = await service.app.get(EventStore).readAll({ after: parsePosition(before), limit: 10_000 });
    const revoked = recorded.filter(
      (event) => event.type === 'TokenRevoked' && (event.data as { reason: string }).reason === 'client_disabled',
    );
    expect(revoked).toHaveLength(500);
    await service.request(`/api/admin/clients/${clientId}/enable`, { method: 'POST' });
    await cascaded();
  });

  it.each([
    ['an empty body', {}, 400],
    ['an unknown client', { clientId: crypto.randomUUID() }, 404],
    ['an unknown user', { userId: 'nobody' }, 404],
    ['a malformed client id', { clientId: 'x' }, 400],
    ['an unknown field', { everything: true }, 400],
  ])('refuses %s and appends nothing', async (_, body, status) => {
    const before = await head();
    const response = await service.request('/api/admin/tokens/revoke', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await head()).toBe(before);
  });

  it('needs the admin key', async () => {
    const response = await service.request('/api/admin/tokens/revoke', {
      method: 'POST',
      body: JSON.stringify({ clientId }),
      auth: false,
    });
    expect(response.status).toBe(401);
  });
});
