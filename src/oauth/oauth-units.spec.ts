import { HttpStatus } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ClientRegistration } from '../clients/client.decider';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { RecordedEvent } from '../platform/event-store/event-store';
import { ProblemException } from '../platform/http/problem-details';
import { UserRole } from '../users/user.decider';
import { authorizationRequest, redirectTarget } from './authorize/authorization-request';
import { LiveViewRunner } from '../platform/projections/live-view-runner';
import { ClientAuthentication } from './client-authentication';
import { OAuthError, OAuthErrorCode } from './oauth-error';
import { bodyParameters, parameter, RawParameters, requiredParameter } from './parameters';
import { SecurityView } from './security-view';
import { assertCodeVerifier, isS256Challenge } from './token/pkce';
import { scopeWithin } from './token/scope';
import { grantIdIn, newGrantId, newOpaqueToken } from './tokens/opaque-tokens';
import { TokenIssuance, TokenValidity } from './tokens/token-validity';

/** The security views are live in these tests; failing closed when they are not is tested below. */
/** A view at the store's head: catching up with it changes nothing unless a test says so. */
const live = { isLive: () => true, reachStoreHead: async () => true } as unknown as LiveViewRunner;

const now = '2026-11-27T10:00:00.000Z';

/** What `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but nothing was thrown');
}

function expectOAuthError(fn: () => unknown, error: OAuthErrorCode, status = HttpStatus.BAD_REQUEST): OAuthError {
  const thrown = thrownBy(fn);
  expect(thrown).toBeInstanceOf(OAuthError);
  expect(thrown).toMatchObject({ error, status });
  return thrown as OAuthError;
}

function expectProblem(fn: () => unknown, status: number, code: string): void {
  const thrown = thrownBy(fn);
  expect(thrown).toBeInstanceOf(ProblemException);
  expect((thrown as ProblemException).getStatus()).toBe(status);
  expect((thrown as ProblemException).code).toBe(code);
}

/** Feeds a real SecurityView with recorded events, numbering revisions per stream as a store would. */
class Feed {
  readonly view = new SecurityView();
  private readonly revisions = new Map<string, number>();
  private commit = 0n;

  /** Appends one event and answers its revision in its stream. */
  emit(stream: string, type: string, data: Record<string, unknown>): number {
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    this.commit += 1n;
    const event: RecordedEvent = {
      id: randomUUID(),
      stream,
      revision,
      position: { commit: this.commit, prepare: this.commit },
      type,
      data,
      metadata: {
        actor: { kind: 'admin', id: 'test' },
        correlationId: 'c',
        causationId: 'c',
        at: now,
        schemaVersion: 1,
      },
      recordedAt: now,
    };
    this.view.apply(event);
    return revision;
  }

  registerClient(clientId: string, fields: Partial<ClientRegistration> = {}): number {
    const registration: ClientRegistration = {
      clientId,
      companyId: 'company-a',
      name: clientId,
      type: 'confidential',
      redirectUris: ['https://app.example/callback'],
      allowUserTokens: true,
      scopes: ['admin', 'audit:read'],
      secretHash: null,
      registeredAt: now,
      ...fields,
    };
    return this.emit(`client-${clientId}`, 'ClientRegistered', { ...registration });
  }

  client(clientId: string, type: string, data: Record<string, unknown> = {}): number {
    return this.emit(`client-${clientId}`, type, { clientId, ...data });
  }

  registerUser(userId: string, companyId = 'company-a', role: UserRole = 'user'): number {
    return this.emit(`user-${userId}`, 'UserRegistered', {
      userId,
      companyId,
      email: `${userId}@example.com`,
      role,
      firstName: 'A',
      lastName: 'B',
      registeredAt: now,
    });
  }

  user(userId: string, type: string, data: Record<string, unknown> = {}): number {
    return this.emit(`user-${userId}`, type, { userId, ...data });
  }

  revokeGrant(grantId: string): number {
    return this.emit(`grant-${grantId}`, 'TokenRevoked', { grantId, reason: 'admin', revokedAt: now });
  }
}

describe('OAuth parameters', () => {
  it('reads a string parameter', () => {
    expect(parameter({ scope: 'admin' }, 'scope')).toBe('admin');
  });

  it.each([
    ['no parameters at all', undefined],
    ['a missing parameter', {}],
    ['a null value', { scope: null }],
    ['an empty value (RFC 6749 §3.1)', { scope: '' }],
  ])('treats %s as absent', (_, parameters) => {
    expect(parameter(parameters as RawParameters | undefined, 'scope')).toBeUndefined();
  });

  it('keeps a value as sent, without trimming it', () => {
    expect(parameter({ state: ' a b ' }, 'state')).toBe(' a b ');
  });

  it.each([
    ['a repeated form field (array)', ['a', 'b']],
    ['a one-element array', ['a']],
    ['a JSON object', { nested: 'a' }],
    ['a number', 42],
    ['a boolean', true],
  ])('refuses %s with invalid_request', (_, value) => {
    const error = expectOAuthError(() => parameter({ scope: value }, 'scope'), 'invalid_request');
    expect(error.description).toContain('scope');
  });

  it('accepts a value of 4096 characters and refuses one of 4097', () => {
    expect(parameter({ state: 'x'.repeat(4096) }, 'state')).toHaveLength(4096);
    expectOAuthError(() => parameter({ state: 'x'.repeat(4097) }, 'state'), 'invalid_request');
  });

  it('requires a required parameter, an empty value counting as missing', () => {
    expect(requiredParameter({ code: 'abc' }, 'code')).toBe('abc');
    expect(expectOAuthError(() => requiredParameter({}, 'code'), 'invalid_request').description).toBe(
      'code is required',
    );
    expectOAuthError(() => requiredParameter({ code: '' }, 'code'), 'invalid_request');
    expectOAuthError(() => requiredParameter(undefined, 'code'), 'invalid_request');
  });

  it('refuses a malformed required parameter as such, not as missing', () => {
    const error = expectOAuthError(() => requiredParameter({ code: ['a', 'b'] }, 'code'), 'invalid_request');
    expect(error.description).not.toBe('code is required');
  });

  it('takes a missing body as no parameters', () => {
    expect(bodyParameters(undefined)).toEqual({});
    expect(bodyParameters(null)).toEqual({});
  });

  it('takes an object body as its parameters', () => {
    const body = { grant_type: 'client_credentials' };
    expect(bodyParameters(body)).toBe(body);
  });

  it.each([
    ['a string', 'grant_type=client_credentials'],
    ['a number', 7],
    ['a boolean', false],
    ['an array', [{ grant_type: 'client_credentials' }]],
  ])('refuses %s as a body', (_, body) => {
    expectOAuthError(() => bodyParameters(body), 'invalid_request');
  });
});

describe('scopeWithin', () => {
  const allowed = ['admin', 'audit:read'];

  it('answers the empty scope when none is requested', () => {
    expect(scopeWithin(undefined, allowed)).toBe('');
  });

  it('keeps request order and drops duplicates and extra spaces', () => {
    expect(scopeWithin('audit:read  admin audit:read ', allowed)).toBe('audit:read admin');
    expect(scopeWithin('admin audit:read admin', allowed)).toBe('admin audit:read');
  });

  it('refuses scopes outside the allowed list, naming every refused one once', () => {
    const error = expectOAuthError(() => scopeWithin('admin write write delete', allowed), 'invalid_scope');
    expect(error.description).toBe('scope not allowed: write delete');
  });

  it('compares scopes exactly', () => {
    expectOAuthError(() => scopeWithin('Admin', allowed), 'invalid_scope');
    expectOAuthError(() => scopeWithin('audit', allowed), 'invalid_scope');
  });

  it('refuses every scope when none is allowed', () => {
    expectOAuthError(() => scopeWithin('admin', []), 'invalid_scope');
    expect(scopeWithin('', [])).toBe('');
  });
});

describe('PKCE (RFC 7636)', () => {
  const unreserved = 'ABCXYZabcxyz0189-._~';

  it.each([43, 128])('accepts a verifier of %i characters', (length) => {
    expect(() => assertCodeVerifier('a'.repeat(length))).not.toThrow();
  });

  it.each([0, 42, 129])('refuses a verifier of %i characters', (length) => {
    expectOAuthError(() => assertCodeVerifier('a'.repeat(length)), 'invalid_request');
  });

  it('accepts every unreserved character', () => {
    expect(() => assertCodeVerifier(unreserved.padEnd(43, '~'))).not.toThrow();
  });

  it.each(['+', '/', '=', ' ', '%', 'é'])('refuses a verifier containing %p', (character) => {
    expectOAuthError(() => assertCodeVerifier(`${'a'.repeat(42)}${character}`), 'invalid_request');
  });

  it('recognises an S256 challenge: 43 base64url characters', () => {
    expect(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(isS256Challenge('-_'.repeat(21) + 'A')).toBe(true);
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['44 characters', 'a'.repeat(44)],
    ['base64 padding', `${'a'.repeat(42)}=`],
    ['standard base64 "+"', `${'a'.repeat(42)}+`],
    ['standard base64 "/"', `${'a'.repeat(42)}/`],
    ['a "." (verifier-only character)', `${'a'.repeat(42)}.`],
    ['a "~" (verifier-only character)', `${'a'.repeat(42)}~`],
    ['nothing', ''],
  ])('refuses a challenge with %s', (_, challenge) => {
    expect(isS256Challenge(challenge)).toBe(false);
  });
});

describe('grantIdIn', () => {
  const uuid = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  const random43 = 'A'.repeat(21) + '-_' + 'z'.repeat(20);

  it('finds the grant in <uuid v4>.<43 base64url characters>', () => {
    expect(random43).toHaveLength(43);
    expect(grantIdIn(`${uuid}.${random43}`)).toBe(uuid);
  });

  it('finds the grant in the tokens it mints', () => {
    const grantId = newGrantId();
    const token = newOpaqueToken(grantId);
    expect(grantIdIn(token)).toBe(grantId);
    expect(newOpaqueToken(grantId)).not.toBe(token);
  });

  it.each([
    ['an empty string', ''],
    ['no dot', `${uuid}${random43}`],
    ['no grant before the dot', `.${random43}`],
    ['a bare uuid', uuid],
    ['a uuid and a dot', `${uuid}.`],
    ['42 characters after the dot', `${uuid}.${random43.slice(1)}`],
    ['44 characters after the dot', `${uuid}.${random43}x`],
    ['an upper-case uuid', `${uuid.toUpperCase()}.${random43}`],
    ['a version-1 uuid', `3f1c2a4e-5b6d-1e7f-8a9b-0c1d2e3f4a5b.${random43}`],
    ['a uuid with the wrong variant', `3f1c2a4e-5b6d-4e7f-7a9b-0c1d2e3f4a5b.${random43}`],
    ['a uuid without hyphens', `3f1c2a4e5b6d4e7f8a9b0c1d2e3f4a5b.${random43}`],
    ['something before the uuid', `x${uuid}.${random43}`],
    ['a JWT-like value', `eyJhbGciOiJFUzI1NiJ9.${random43}`],
    ['43 characters outside base64url', `${uuid}.${'!'.repeat(43)}`],
    ['a second dot in the tail', `${uuid}.${random43.slice(0, 20)}.${random43.slice(21)}`],
  ])('refuses %s', (_, token) => {
    expect(grantIdIn(token)).toBeUndefined();
  });
});

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

describe('authorization request', () => {
  const callback = 'https://app.example/callback';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  let feed: Feed;

  beforeEach(() => {
    feed = new Feed();
    feed.registerClient('web', { redirectUris: [callback, 'https://app.example/other'] });
    feed.registerClient('svc', { allowUserTokens: false });
    feed.registerClient('spa', {
      type: 'public',
      redirectUris: ['https://spa.example/cb'],
      scopes: ['audit:read'],
      allowUserTokens: true,
    });
    feed.registerClient('off');
    feed.client('off', 'ClientDisabled', { disabledAt: now });
    feed.registerUser('alice');
    feed.registerUser('bob');
    feed.user('bob', 'UserDeactivated', { deactivatedAt: now });
    feed.registerUser('carol', 'company-b');
  });

  const authorize = (query: RawParameters) => authorizationRequest(feed.view, redirectTarget(feed.view, query), query);
  const webQuery = (extra: RawParameters = {}): RawParameters => ({
    response_type: 'code',
    client_id: 'web',
    redirect_uri: callback,
    ...extra,
  });

  it('accepts a minimal request from a confidential client', () => {
    const request = authorize(webQuery({ state: 'xyz' }));
    expect(request).toMatchObject({
      client: { clientId: 'web' },
      redirectUri: callback,
      state: 'xyz',
      userId: null,
      scope: '',
      codeChallenge: null,
    });
  });

  it('accepts a full request: user and S256 challenge', () => {
    const request = authorize(webQuery({ userid: 'alice', code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(request).toMatchObject({ userId: 'alice', scope: '', codeChallenge: challenge });
  });

  it('never grants admin or audit scopes through the browser, even to a client that holds them', () => {
    expectOAuthError(() => authorize(webQuery({ scope: 'admin' })), 'invalid_scope');
    expectOAuthError(() => authorize(webQuery({ scope: 'audit:read' })), 'invalid_scope');
  });

  it('accepts any of the registered redirect URIs and leaves state undefined when absent', () => {
    const target = redirectTarget(feed.view, webQuery({ redirect_uri: 'https://app.example/other' }));
    expect(target).toMatchObject({ redirectUri: 'https://app.example/other', state: undefined });
  });

  describe('answered directly, never redirected', () => {
    it('refuses a missing client_id with 400', () => {
      expectProblem(() => redirectTarget(feed.view, { redirect_uri: callback }), 400, 'invalid_request');
      expectProblem(() => redirectTarget(feed.view, { client_id: '', redirect_uri: callback }), 400, 'invalid_request');
    });

    it('refuses a duplicated client_id with 400', () => {
      expectProblem(() => redirectTarget(feed.view, webQuery({ client_id: ['web', 'web'] })), 400, 'invalid_request');
    });

    it.each([
      ['an unknown client', 'nobody'],
      ['a disabled client', 'off'],
    ])('refuses %s with 401', (_, clientId) => {
      expectProblem(() => redirectTarget(feed.view, webQuery({ client_id: clientId })), 401, 'invalid_client');
    });

    it('refuses a missing redirect_uri with 400', () => {
      expectProblem(() => redirectTarget(feed.view, { client_id: 'web' }), 400, 'invalid_request');
    });

    it('refuses a duplicated redirect_uri with 400', () => {
      expectProblem(
        () => redirectTarget(feed.view, webQuery({ redirect_uri: [callback, 'https://evil.example/'] })),
        400,
        'invalid_request',
      );
    });

    it.each([
      ['another site', 'https://evil.example/callback'],
      ['a prefix of a registered one', 'https://app.example/call'],
      ['a registered one with a path appended', `${callback}/evil`],
      ['a trailing-slash variant', `${callback}/`],
      ['a registered one with a query appended', `${callback}?next=https://evil.example`],
      ['a case variant', 'https://APP.example/callback'],
      ['an http variant', 'http://app.example/callback'],
      ["another client's", 'https://spa.example/cb'],
    ])('refuses %s as redirect_uri with 400', (_, uri) => {
      expectProblem(() => redirectTarget(feed.view, webQuery({ redirect_uri: uri })), 400, 'invalid_redirect_uri');
    });

    it('follows redirect URIs added and removed later', () => {
      feed.client('web', 'RedirectUriAdded', { uri: 'https://app.example/new', addedAt: now });
      feed.client('web', 'RedirectUriRemoved', { uri: callback, removedAt: now });
      expect(redirectTarget(feed.view, webQuery({ redirect_uri: 'https://app.example/new' })).redirectUri).toBe(
        'https://app.example/new',
      );
      expectProblem(() => redirectTarget(feed.view, webQuery()), 400, 'invalid_redirect_uri');
    });

    it('refuses a duplicated state with 400', () => {
      expectProblem(() => redirectTarget(feed.view, webQuery({ state: ['a', 'b'] })), 400, 'invalid_request');
    });
  });

  describe('answered through the redirect URI', () => {
    it.each(['token', 'code id_token', 'CODE'])('refuses response_type=%p as unsupported_response_type', (type) => {
      const thrown = expectOAuthError(() => authorize(webQuery({ response_type: type })), 'unsupported_response_type');
      expect(thrown).not.toBeInstanceOf(ProblemException);
    });

    it('refuses a scope the client does not have with invalid_scope', () => {
      expectOAuthError(() => authorize(webQuery({ scope: 'admin write' })), 'invalid_scope');
      expectOAuthError(
        () =>
          authorize({
            client_id: 'spa',
            redirect_uri: 'https://spa.example/cb',
            scope: 'admin',
            code_challenge: challenge,
            code_challenge_method: 'S256',
          }),
        'invalid_scope',
      );
    });

    it('refuses a userid for a client not allowed user tokens with unauthorized_client', () => {
      expectOAuthError(
        () => authorize({ client_id: 'svc', redirect_uri: callback, userid: 'alice' }),
        'unauthorized_client',
      );
    });

    it.each([
      ['an unknown user', 'nobody'],
      ['a deactivated user', 'bob'],
      ['a user of another company', 'carol'],
    ])('refuses %s as userid with invalid_request', (_, userId) => {
      expectOAuthError(() => authorize(webQuery({ userid: userId })), 'invalid_request');
    });

    it('accepts a reactivated user again', () => {
      feed.user('bob', 'UserReactivated', { reactivatedAt: now });
      expect(authorize(webQuery({ userid: 'bob' })).userId).toBe('bob');
    });

    it('refuses code_challenge_method without code_challenge', () => {
      expectOAuthError(() => authorize(webQuery({ code_challenge_method: 'S256' })), 'invalid_request');
    });

    it('refuses the plain method', () => {
      expectOAuthError(
        () => authorize(webQuery({ code_challenge: challenge, code_challenge_method: 'plain' })),
        'invalid_request',
      );
    });

    it('refuses a challenge without a method (RFC 7636 §4.3 would default it to plain)', () => {
      expectOAuthError(() => authorize(webQuery({ code_challenge: challenge })), 'invalid_request');
    });

    it.each([
      ['too short', challenge.slice(1)],
      ['too long', `${challenge}A`],
      ['standard base64', `${challenge.slice(0, 42)}+`],
      ['padded', `${challenge.slice(0, 42)}=`],
    ])('refuses a challenge that is %s', (_, malformed) => {
      expectOAuthError(
        () => authorize(webQuery({ code_challenge: malformed, code_challenge_method: 'S256' })),
        'invalid_request',
      );
    });

    it('requires PKCE of a public client', () => {
      const query = { client_id: 'spa', redirect_uri: 'https://spa.example/cb' };
      expectOAuthError(() => authorize(query), 'invalid_request');
      expect(authorize({ ...query, code_challenge: challenge, code_challenge_method: 'S256' }).codeChallenge).toBe(
        challenge,
      );
    });
  });
});

describe('TokenValidity', () => {
  const grantId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  let feed: Feed;
  let validity: TokenValidity;

  const generic = (cutoff = -1): TokenIssuance => ({
    grantId,
    clientId: 'web',
    companyId: 'company-a',
    userId: null,
    cutoffs: { client: cutoff, user: null },
  });
  const forAlice = (user = -1, client = -1): TokenIssuance => ({
    ...generic(client),
    userId: 'alice',
    cutoffs: { client, user },
  });

  beforeEach(() => {
    feed = new Feed();
    feed.registerClient('web');
    feed.registerClient('other');
    feed.registerUser('alice');
    feed.registerUser('carol', 'company-b');
    validity = new TokenValidity(feed.view, live);
  });

  it('honours a generic and a user token of an enabled client and active user', async () => {
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(true);
  });

  it('ends the tokens of a revoked grant, and only those', async () => {
    feed.revokeGrant(grantId);
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured({ ...generic(), grantId: 'another-grant' })).resolves.toBe(true);
  });

  it('refuses tokens of an unknown client or one in another company', async () => {
    await expect(validity.isHonoured({ ...generic(), clientId: 'nobody' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...generic(), companyId: 'company-b' })).resolves.toBe(false);
  });

  it('ends every token of a disabled client', async () => {
    const revision = feed.client('web', 'ClientDisabled', { disabledAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(revision))).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
  });

  it.each([
    ['ClientSecretRotated', { secretHash: hashSecret('new'), rotatedAt: now }],
    ['ClientTokensRevoked', { revokedAt: now }],
  ])('after %s, ends older tokens and honours those issued under the new cutoff', async (type, data) => {
    const revision = feed.client('web', type, data);
    expect(revision).toBe(1);
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice(-1, revision))).resolves.toBe(true);
  });

  it('keeps tokens alive through changes that cut nothing off', async () => {
    feed.client('web', 'RedirectUriAdded', { uri: 'https://app.example/new', addedAt: now });
    feed.client('other', 'ClientTokensRevoked', { revokedAt: now });
    feed.user('alice', 'UserGrantedAgent', { agentId: 'agent-1', grantedAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    await expect(validity.isHonoured(forAlice())).resolves.toBe(true);
  });

  it.each([
    ['UserRoleChanged', { role: 'monitor' }],
    ['UserAgentRevoked', { agentId: 'agent-1' }],
    ['UserDefaultAgentSet', { agentId: 'agent-1' }],
    ['UserDefaultAgentCleared', {}],
  ])('ends user tokens whose claims %s makes stale, and only those', async (type, data) => {
    const revision = feed.user('alice', type, { ...data, changedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
  });

  it('after a re-enable, keeps old tokens dead and honours those issued under the new cutoff', async () => {
    const disabled = feed.client('web', 'ClientDisabled', { disabledAt: now });
    feed.client('web', 'ClientEnabled', { enabledAt: now });
    await expect(validity.isHonoured(generic())).resolves.toBe(false);
    await expect(validity.isHonoured(generic(disabled))).resolves.toBe(true);
  });

  it('ends the tokens of a deactivated user, and keeps them dead after reactivation', async () => {
    const deactivated = feed.user('alice', 'UserDeactivated', { deactivatedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(deactivated))).resolves.toBe(false);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
    feed.user('alice', 'UserReactivated', { reactivatedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(deactivated))).resolves.toBe(true);
  });

  it('after UserTokensRevoked, ends older user tokens and honours those issued under the new cutoff', async () => {
    const revision = feed.user('alice', 'UserTokensRevoked', { revokedAt: now });
    await expect(validity.isHonoured(forAlice())).resolves.toBe(false);
    await expect(validity.isHonoured(forAlice(revision))).resolves.toBe(true);
    await expect(validity.isHonoured(generic())).resolves.toBe(true);
  });

  it('refuses a user token for an unknown user, a user of another company, or without a user cutoff', async () => {
    await expect(validity.isHonoured({ ...forAlice(), userId: 'nobody' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...forAlice(), userId: 'carol' })).resolves.toBe(false);
    await expect(validity.isHonoured({ ...forAlice(), cutoffs: { client: -1, user: null } })).resolves.toBe(false);
  });

  it('reads the holder of an access token from its claims', async () => {
    const claims = {
      iss: 'https://id.example',
      sub: 'alice',
      aud: 'airisk',
      client_id: 'web',
      jti: `${grantId}.3`,
      iat: 0,
      exp: 0,
      scope: 'admin',
      company_id: 'company-a',
      userid: 'alice',
      cutoffs: { client: -1, user: -1 },
    };
    await expect(validity.isAccessTokenHonoured(claims)).resolves.toBe(true);
    await expect(validity.isAccessTokenHonoured({ ...claims, cutoffs: { client: -1 } })).resolves.toBe(false);
    feed.revokeGrant(grantId);
    await expect(validity.isAccessTokenHonoured(claims)).resolves.toBe(false);
  });

  it('waits for its view to reach the store when a token names a cutoff it has not seen, then decides', async () => {
    // Another instance rotated the client's secret and issued a token under the new cutoff.
    const revision = feed.client('web', 'ClientSecretRotated', { secretHash: 'sha256:new', rotatedAt: now }) + 1;
    let caughtUp = 0;
    const catchingUp = {
      isLive: () => true,
      reachStoreHead: async () => {
        caughtUp += 1;
        feed.client('web', 'ClientTokensRevoked', { revokedAt: now }); // what the store holds, now applied
        return true;
      },
    } as unknown as LiveViewRunner;
    const behind = new TokenValidity(feed.view, catchingUp);
    await expect(behind.isHonoured(generic(revision))).resolves.toBe(true);
    expect(caughtUp).toBe(1);
    // A token of an older cutoff is plainly dead: no waiting.
    await expect(behind.isHonoured(generic(-1))).resolves.toBe(false);
    expect(caughtUp).toBe(1);
  });
});

describe('failing closed while the security view is not live', () => {
  const notLive = { isLive: () => false } as unknown as LiveViewRunner;
  it('refuses client authentication with temporarily_unavailable (503) and honours no token', async () => {
    const feed = new Feed();
    feed.registerClient('web', { secretHash: hashSecret('s3cret') });
    const authentication = new ClientAuthentication(feed.view, notLive);
    expectOAuthError(
      () => authentication.authenticateNow(undefined, { client_id: 'web', client_secret: 's3cret' }),
      'temporarily_unavailable',
      503,
    );
    const validity = new TokenValidity(feed.view, notLive);
    await expect(
      validity.isHonoured({
        grantId: 'g',
        clientId: 'web',
        companyId: 'company-a',
        userId: null,
        cutoffs: { client: -1, user: null },
      }),
    ).resolves.toBe(false);
  });
});

describe('revoked grants in the security view', () => {
  const revokeAt = (feed: Feed, grantId: string, revokedAt: string) =>
    feed.emit(`grant-${grantId}`, 'TokenRevoked', { grantId, reason: 'admin', revokedAt });

  it('are remembered for a day and five minutes, the longest any access token of theirs can live, then forgotten', () => {
    const feed = new Feed();
    revokeAt(feed, 'g-old', '2026-11-01T00:00:00.000Z');
    revokeAt(feed, 'g-later', '2026-11-01T23:00:00.000Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-next-day', '2026-11-02T00:05:00.000Z'); // exactly 24 h 5 min after g-old
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-after', '2026-11-02T00:05:00.001Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(false);
    expect(['g-later', 'g-next-day', 'g-after'].map((id) => feed.view.isGrantRevoked(id))).toEqual([true, true, true]);
  });
});
