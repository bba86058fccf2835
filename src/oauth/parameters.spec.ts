import { expectOAuthError } from '../../test/support/oauth-expectations';
import { bodyParameters, parameter, type RawParameters, requiredParameter } from './parameters';

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
