import { RegisterCompany, RegisterCompanyHandler } from '../../src/companies/register-company.handler';
import type { RequestContext } from '../../src/platform/auth/request-context';
import { SqliteEventStore } from '../../src/platform/event-store/sqlite-event-store';
import { temporaryDirectory } from './temporary-directory';

/** The platform administrator (the admin API key): no company scope. */
export const platformAdmin: RequestContext = {
  actor: { kind: 'admin', id: 'api-key:0123456789abcdef' },
  correlationId: 'platform-request',
};

/** A company administrator (an `admin`-scoped client token): its own company only. */
export function companyAdmin(companyId: string, heldScopes: readonly string[] = ['admin']): RequestContext {
  return {
    actor: { kind: 'client', id: `admin-client-of-${companyId}` },
    companyScope: companyId,
    heldScopes,
    correlationId: 'company-request',
  };
}

/** Two companies in an embedded event store of their own: where specs about the company scope start. */
export async function twoTenants() {
  const events = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`);
  const registerCompany = new RegisterCompanyHandler(events);
  const { companyId: companyA } = await registerCompany.execute(new RegisterCompany('A', null, platformAdmin));
  const { companyId: companyB } = await registerCompany.execute(new RegisterCompany('B', null, platformAdmin));
  return { events, companyA, companyB };
}

/** What the admin routes answer for something absent or outside the caller's company: the same 404 problem. */
export function notFoundProblem(what: string, id: string): object {
  return { status: 404, code: `${what}_not_found`, message: `no ${what} ${id}` };
}

/** A refused command leaves the store exactly as it was. */
export async function expectRefusedWithNothingAppended(
  events: SqliteEventStore,
  attempt: () => Promise<unknown>,
  refusal: object,
): Promise<void> {
  const before = await events.headPosition();
  await expect(attempt()).rejects.toMatchObject(refusal);
  expect(await events.headPosition()).toEqual(before);
}
