import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../platform/http/problem-details';
import { OAuthError } from '../oauth-error';
import { RawParameters } from '../parameters';
import { ClientRecord, SecurityView } from '../security-view';
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
