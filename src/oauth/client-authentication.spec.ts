import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import type { LiveViewRunner } from '../platform/projections/live-view-runner';
import { expectOAuthError } from '../../test/support/oauth-expectations';
import { Feed, live, now } from '../../test/support/security-view-feed';
import { ClientAuthentication } from './client-authentication';

describe('ClientAuthentication', () => {
  const secret = generateSecret();
  let feed: Feed;
  let authentication: ClientAuthentication;

  /** RFC 6749 §2.3.1: each of id and secret form-urlencoded, then `id:secret` in base64. */
  const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  const basic = (id: string, password: string, encode = formEncode) =>
    `Basic ${Buffer.from(`${encode(id)}:${encode(password)}`, 'utf8').toString('base64')}`;

  beforeEach(() => {
    feed = new Feed();
    feed.registerClient('web', { secretHash: hashSecret(secret) });
    feed.registerClient('spa', { type: 'public', secretHash: null });
    authentication = new ClientAuthentication(feed.view, live);
  });

  it('authenticates with the secret in the body (client_secret_post)', () => {
    const result = authentication.authenticateNow(undefined, { client_id: 'web', client_secret: secret });
    expect(result.method).toBe('client_secret_post');
    expect(result.client).toMatchObject({ clientId: 'web', companyId: 'company-a', type: 'confidential' });
  });

  it('decides again once its view has caught up with the store when the client or secret is news to it', async () => {
    const rotated = generateSecret();
    const catchingUp = {
      isLive: () => true,
      // Another instance rotated the secret: the store has it, this view learns it by catching up.
      reachStoreHead: async () => {
        feed.client('web', 'ClientSecretRotated', { secretHash: hashSecret(rotated), rotatedAt: now });
        return true;
      },
    } as unknown as LiveViewRunner;
    const behind = new ClientAuthentication(feed.view, catchingUp);
    const result = await behind.authenticate(undefined, { client_id: 'web', client_secret: rotated });
    expect(result.client.clientId).toBe('web');
    await expect(behind.authenticate(undefined, { client_id: 'web', client_secret: 'wrong' })).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('authenticates with HTTP Basic (client_secret_basic)', () => {
    const result = authentication.authenticateNow(basic('web', secret), {});
    expect(result).toMatchObject({ method: 'client_secret_basic', client: { clientId: 'web' } });
  });

  it('takes the Basic scheme name case-insensitively', () => {
    const header = basic('web', secret).replace('Basic', 'basic');
    expect(authentication.authenticateNow(header, {}).method).toBe('client_secret_basic');
  });

  it('form-decodes the Basic id and secret (RFC 6749 §2.3.1)', () => {
    const odd = 'p+ss%w rd:é/=';
    feed.registerClient('acme app:1', { secretHash: hashSecret(odd) });
    const result = authentication.authenticateNow(basic('acme app:1', odd), {});
    expect(result).toMatchObject({ method: 'client_secret_basic', client: { clientId: 'acme app:1' } });
  });

  it('reads "+" in a Basic secret as a space, so an unencoded "+" does not match', () => {
    feed.registerClient('plus', { secretHash: hashSecret('a+b') });
    const raw = (value: string) => value;
    expectOAuthError(() => authentication.authenticateNow(basic('plus', 'a+b', raw), {}), 'invalid_client', 401);
    expect(authentication.authenticateNow(basic('plus', 'a+b'), {}).client.clientId).toBe('plus');
  });

  it('refuses Basic credentials with a malformed percent-encoding', () => {
    const header = `Basic ${Buffer.from(`web:${secret}%zz`).toString('base64')}`;
    expectOAuthError(() => authentication.authenticateNow(header, {}), 'invalid_client', 401);
  });

  it('refuses Basic credentials without a colon', () => {
    const header = `Basic ${Buffer.from(`web${secret}`).toString('base64')}`;
    expectOAuthError(() => authentication.authenticateNow(header, {}), 'invalid_client', 401);
  });

  it('accepts Basic credentials with the same client_id repeated in the body', () => {
    expect(authentication.authenticateNow(basic('web', secret), { client_id: 'web' }).method).toBe(
      'client_secret_basic',
    );
  });

  it('refuses both methods at once with invalid_request', () => {
    expectOAuthError(
      () => authentication.authenticateNow(basic('web', secret), { client_id: 'web', client_secret: secret }),
      'invalid_request',
    );
  });

  it('refuses a body client_id that differs from the Basic one', () => {
    expectOAuthError(
      () => authentication.authenticateNow(basic('web', secret), { client_id: 'spa' }),
      'invalid_request',
    );
  });

  it.each([
    ['no credentials at all', {}],
    ['a secret without client_id', { client_secret: secret }],
    ['an empty client_id', { client_id: '', client_secret: secret }],
  ])(
    'refuses %s: invalid_client (401) by default, invalid_request (400) where the AIRisk token endpoint asks',
    (_, body) => {
      expectOAuthError(() => authentication.authenticateNow(undefined, body), 'invalid_client', 401);
      expectOAuthError(
        () => authentication.authenticateNow(undefined, body, 'invalid_request'),
        'invalid_request',
        400,
      );
    },
  );

  it('refuses a client_id given twice with invalid_request', () => {
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: ['web', 'web'], client_secret: secret }),
      'invalid_request',
    );
  });

  it('refuses an unknown client, a wrong secret and a disabled client alike with invalid_client (401)', () => {
    const unknown = expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'nobody', client_secret: secret }),
      'invalid_client',
      401,
    );
    const wrong = expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: `${secret}x` }),
      'invalid_client',
      401,
    );
    const wrongBasic = expectOAuthError(
      () => authentication.authenticateNow(basic('web', 'not-the-secret'), {}),
      'invalid_client',
      401,
    );
    feed.client('web', 'ClientDisabled', { disabledAt: now });
    const disabled = expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: secret }),
      'invalid_client',
      401,
    );
    expect(new Set([unknown, wrong, wrongBasic, disabled].map((error) => error.description)).size).toBe(1);
  });

  it('refuses a confidential client that sends no secret', () => {
    expectOAuthError(() => authentication.authenticateNow(undefined, { client_id: 'web' }), 'invalid_client', 401);
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: '' }),
      'invalid_client',
      401,
    );
  });

  it('authenticates a re-enabled client again', () => {
    feed.client('web', 'ClientDisabled', { disabledAt: now });
    feed.client('web', 'ClientEnabled', { enabledAt: now });
    expect(authentication.authenticateNow(undefined, { client_id: 'web', client_secret: secret }).client.enabled).toBe(
      true,
    );
  });

  it('identifies a public client by client_id alone (method none)', () => {
    const result = authentication.authenticateNow(undefined, { client_id: 'spa' });
    expect(result).toMatchObject({ method: 'none', client: { clientId: 'spa', type: 'public' } });
  });

  it('refuses a public client that sends a secret', () => {
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'spa', client_secret: 'anything' }),
      'invalid_client',
      401,
    );
    expectOAuthError(() => authentication.authenticateNow(basic('spa', 'anything'), {}), 'invalid_client', 401);
  });

  it('refuses a disabled public client', () => {
    feed.client('spa', 'ClientDisabled', { disabledAt: now });
    expectOAuthError(() => authentication.authenticateNow(undefined, { client_id: 'spa' }), 'invalid_client', 401);
  });

  it('after a secret rotation, refuses the old secret and accepts the new one', () => {
    const rotated = generateSecret();
    feed.client('web', 'ClientSecretRotated', { secretHash: hashSecret(rotated), rotatedAt: now });
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: secret }),
      'invalid_client',
      401,
    );
    expectOAuthError(() => authentication.authenticateNow(basic('web', secret), {}), 'invalid_client', 401);
    expect(authentication.authenticateNow(undefined, { client_id: 'web', client_secret: rotated }).method).toBe(
      'client_secret_post',
    );
    expect(authentication.authenticateNow(basic('web', rotated), {}).method).toBe('client_secret_basic');
  });
});

describe('failing closed while the security view is not live', () => {
  const notLive = { isLive: () => false } as unknown as LiveViewRunner;
  it('refuses client authentication with temporarily_unavailable (503)', () => {
    const feed = new Feed();
    feed.registerClient('web', { secretHash: hashSecret('s3cret') });
    const authentication = new ClientAuthentication(feed.view, notLive);
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: 's3cret' }),
      'temporarily_unavailable',
      503,
    );
  });
});
