import { companyAdmin, expectRefusedWithNothingAppended, twoTenants } from '../../test/support/tenants';
import type { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { ChangeCompany, ChangeCompanyHandler } from './change-company.handler';
import { RegisterCompany, RegisterCompanyHandler } from './register-company.handler';

/** Companies are the platform administrator's: its handlers refuse a company administrator, even its own. */
describe('company handlers: the platform administrator’s alone', () => {
  let events: SqliteEventStore;
  let companyA: string;

  beforeAll(async () => {
    ({ events, companyA } = await twoTenants());
  });
  afterAll(() => events.close());

  it('refuses a company administrator a new company, appending nothing', async () => {
    await expectRefusedWithNothingAppended(
      events,
      () => new RegisterCompanyHandler(events).execute(new RegisterCompany('Mine now', null, companyAdmin(companyA))),
      { status: 403 },
    );
  });

  it('refuses a company administrator its own licences, before any If-Match is compared', async () => {
    for (const ifRevision of [undefined, 0, 7]) {
      await expectRefusedWithNothingAppended(
        events,
        () =>
          new ChangeCompanyHandler(events).execute(
            new ChangeCompany(companyA, { userLicenses: 1000 }, companyAdmin(companyA), ifRevision),
          ),
        { status: 403 },
      );
    }
  });
});
