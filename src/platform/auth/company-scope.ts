import { ForbiddenException, HttpStatus } from '@nestjs/common';
import { ProblemException } from '../http/problem-details';
import type { RequestContext } from './request-context';

/** The 404 of something absent, and of something outside the caller's company: the same answer. */
export function notFound(what: string, id: string): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, `no ${what} ${id}`, `${what}_not_found`);
}

/**
 * A company administrator sees only its own company: anything of another company is answered as if
 * it did not exist (404), so ids of other tenants cannot be probed.
 */
export function assertWithinScope(
  context: Pick<RequestContext, 'companyScope'>,
  companyId: string,
  what: string,
  id: string,
): void {
  if (context.companyScope !== undefined && context.companyScope !== companyId) throw notFound(what, id);
}

/** An aggregate one company owns (a client, an agent, the company itself), as its decider folds it. */
type TenantState = { readonly status: 'absent' } | { readonly companyId: string };

/**
 * The `authorize` of a command on one company's aggregate, checked on the state its handler read: it
 * holds whatever route dispatched the command, and does not depend on how far the read models lag.
 * Absent, or another company's, the aggregate is answered as not found (404).
 */
export function withinScope(
  context: Pick<RequestContext, 'companyScope'>,
  what: string,
  id: string,
): (state: TenantState) => void {
  return (state) => {
    if (!('companyId' in state)) throw notFound(what, id);
    assertWithinScope(context, state.companyId, what, id);
  };
}

/** Operations across tenants (companies, signing keys) are the platform administrator's alone. */
export function assertPlatformAdmin(context: Pick<RequestContext, 'companyScope'>): void {
  if (context.companyScope !== undefined) throw new ForbiddenException('this operation needs the platform admin key');
}

/**
 * A company administrator hands on only what it holds: a client it registers may have only scopes
 * its own token carries, or an `admin` token could mint an `audit:read` client and read the audit
 * trail it was never given. The platform administrator grants any scope.
 */
export function assertScopesHeld(
  context: Pick<RequestContext, 'companyScope' | 'heldScopes'>,
  requested: readonly string[],
): void {
  if (context.companyScope === undefined) return;
  const notHeld = requested.filter((scope) => !context.heldScopes?.includes(scope));
  if (notHeld.length === 0) return;
  throw new ProblemException(
    HttpStatus.FORBIDDEN,
    `a company administrator grants only scopes it holds; not held: ${notHeld.join(' ')}`,
    'scope_not_held',
  );
}

/** The company filter of a list: a company administrator's own company, whatever was asked. */
export function scopedCompanyFilter(
  context: Pick<RequestContext, 'companyScope'>,
  requested: string | undefined,
): { companyId?: string } {
  if (context.companyScope === undefined) return requested ? { companyId: requested } : {};
  if (requested !== undefined && requested !== context.companyScope) throw notFound('company', requested);
  return { companyId: context.companyScope };
}
