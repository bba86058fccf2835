import { expectOAuthError } from '../../../test/support/oauth-expectations';
import { assertCodeVerifier, isS256Challenge } from './pkce';

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
