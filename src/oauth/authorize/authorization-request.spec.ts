import { HttpStatus } from '@nestjs/common';
import { expectOAuthError, expectProblem } from '../../../test/support/oauth-expectations';
import { Feed, now } from '../../../test/support/security-view-feed';
import { ProblemException } from '../../platform/http/problem-details';
import { OAuthError } from '../oauth-error';
import type { RawParameters } from '../parameters';
import type { ClientRecord, SecurityView } from '../security-view';
import { authorizationRequest, redirectLocation, redirectTarget, requiresPkce } from './authorization-request';

const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const issuer = 'https://id.example';

function client(fields: Partial<ClientRecord> & { requirePkce?: boolean } = {}): ClientRecord {
  const record = {
    clientId: 'web',
    companyId: 'company-a',
    type: 'confidential' as const,
    secretHash: 'sha256:x',
    redirectUris: ['https://app.example/cb', 'https://app.example/q?a=b%20c&flag&x=%7e', 'http://127.0.0.1:5000/cb'],
    allowUserTokens: true,
    scopes: [],
    requirePkce: false,
    enabled: true,
    tokenCutoff: -1,
    ...fields,
  };
  return record;
}

/** A security view holding one client and no user. */
const viewOf = (record: ClientRecord) =>
  ({
    client: (id: string) => (id === record.clientId ? record : undefined),
    user: () => undefined,
  }) as unknown as SecurityView;

describe('redirectLocation (RFC 6749 §4.1.2)', () => {
  const at = (redirectUri: string, state?: string) => ({ client: client(), redirectUri, state });

  it('adds the response parameters, state and iss as a query', () => {
    expect(redirectLocation(at('https://app.example/cb', 'xyz'), { code: 'c1' }, issuer)).toBe(
      'https://app.example/cb?code=c1&state=xyz&iss=https%3A%2F%2Fid.example',
    );
  });

  it('keeps the registered query exactly as written and appends after it', () => {
    expect(redirectLocation(at('https://app.example/q?a=b%20c&flag&x=%7e'), { code: 'c1' }, issuer)).toBe(
      'https://app.example/q?a=b%20c&flag&x=%7e&code=c1&iss=https%3A%2F%2Fid.example',
    );
  });

  it('appends to an empty query without another separator', () => {
    expect(redirectLocation(at('https://app.example/cb?'), { code: 'c1' }, issuer)).toBe(
      'https://app.example/cb?code=c1&iss=https%3A%2F%2Fid.example',
    );
  });

  it('form-encodes the values, so a state cannot add parameters of its own', () => {
    const location = redirectLocation(
      at('https://app.example/cb', 'a&code=forged #'),
      { error: 'invalid_request', error_description: 'code challenge required' },
      issuer,
    );
    const query = new URL(location).searchParams;
    expect(query.getAll('code')).toEqual([]);
    expect(query.get('state')).toBe('a&code=forged #');
    expect(query.get('error_description')).toBe('code challenge required');
    expect(location).not.toContain('#');
  });
});

describe('redirectTarget with loopback redirect URIs (RFC 8252 §7.3)', () => {
  const target = (record: ClientRecord, redirectUri: string) =>
    redirectTarget(viewOf(record), { client_id: record.clientId, redirect_uri: redirectUri });

  it('accepts a loopback IP literal on the port the client listens on, and answers to that port', () => {
    expect(target(client(), 'http://127.0.0.1:61234/cb').redirectUri).toBe('http://127.0.0.1:61234/cb');
  });

  it('keeps exact matching for localhost (RFC 8252 §8.3)', () => {
    let thrown: unknown;
    try {
      target(client({ redirectUris: ['http://localhost:5000/cb'] }), 'http://localhost:61234/cb');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    expect((thrown as ProblemException).getStatus()).toBe(HttpStatus.BAD_REQUEST);
    expect((thrown as ProblemException).code).toBe('invalid_redirect_uri');
  });
});

describe('PKCE requirement (RFC 7636 §4.4.1)', () => {
  const request = (record: ClientRecord, serverRequiresPkce: boolean, extra: RawParameters = {}) => {
    const query = { client_id: record.clientId, redirect_uri: 'https://app.example/cb', ...extra };
    const view = viewOf(record);
    return authorizationRequest(view, redirectTarget(view, query), query, serverRequiresPkce);
  };
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a refusal');
  };

  it('is asked of public clients always, of confidential ones by REQUIRE_PKCE or their own registration', () => {
    expect(requiresPkce({ type: 'public' }, false)).toBe(true);
    expect(requiresPkce({ type: 'confidential' }, false)).toBe(false);
    expect(requiresPkce({ type: 'confidential', requirePkce: false }, true)).toBe(true);
    expect(requiresPkce({ type: 'confidential', requirePkce: true }, false)).toBe(true);
  });

  it('lets a confidential client go without PKCE by default (AIRisk integrations send none)', () => {
    expect(request(client(), false).codeChallenge).toBeNull();
  });

  it.each([
    ['the server requires it (REQUIRE_PKCE)', client(), true],
    ['the client is registered to use it', client({ requirePkce: true }), false],
  ])('refuses a request without a code challenge when %s, with invalid_request', (_, record, server) => {
    const error = refusal(() => request(record, server));
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'invalid_request', description: expect.stringContaining('code challenge') });
  });

  it('accepts an S256 challenge when required, and still refuses plain', () => {
    expect(request(client(), true, { code_challenge: challenge, code_challenge_method: 'S256' }).codeChallenge).toBe(
      challenge,
    );
    const plain = refusal(() => request(client(), true, { code_challenge: challenge, code_challenge_method: 'plain' }));
    expect(plain).toMatchObject({ error: 'invalid_request' });
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
