import { expectOAuthError } from '../../../test/support/oauth-expectations';
import { scopeWithin } from './scope';

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
