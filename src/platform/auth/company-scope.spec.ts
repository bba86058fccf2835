import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../http/problem-details';
import { assertScopesHeld } from './company-scope';

describe('assertScopesHeld', () => {
  const companyAdmin = (heldScopes: string[]) => ({ companyScope: 'company-a', heldScopes });

  it('lets the platform administrator grant any scope', () => {
    expect(() => assertScopesHeld({}, ['admin', 'audit:read'])).not.toThrow();
  });

  it('lets a company administrator grant the scopes its token holds, or none', () => {
    expect(() => assertScopesHeld(companyAdmin(['admin']), ['admin'])).not.toThrow();
    expect(() => assertScopesHeld(companyAdmin(['admin', 'audit:read']), ['audit:read', 'admin'])).not.toThrow();
    expect(() => assertScopesHeld(companyAdmin(['admin']), [])).not.toThrow();
  });

  it.each([
    ['a scope it does not hold', ['admin'], ['audit:read'], 'audit:read'],
    ['one held and one not', ['admin'], ['admin', 'audit:read'], 'audit:read'],
    ['any scope, holding none', [], ['admin'], 'admin'],
  ])('refuses a company administrator %s with 403 scope_not_held', (_, held, requested, named) => {
    let thrown: unknown;
    try {
      assertScopesHeld(companyAdmin(held), requested);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    expect((thrown as ProblemException).getStatus()).toBe(HttpStatus.FORBIDDEN);
    expect((thrown as ProblemException).code).toBe('scope_not_held');
    expect((thrown as ProblemException).message).toContain(named);
  });
});
