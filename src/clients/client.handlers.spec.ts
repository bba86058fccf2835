import { randomUUID } from 'node:crypto';
import {
  companyAdmin,
  expectRefusedWithNothingAppended,
  notFoundProblem,
  platformAdmin,
  twoTenants,
} from '../../test/support/tenants';
import type { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { ChangeClient, ChangeClientHandler, type ClientChange } from './change-client.handler';
import { clientStream } from './client.decider';
import { RegisterClient, RegisterClientHandler } from './register-client.handler';
import { RotateClientSecret, RotateClientSecretHandler } from './rotate-client-secret.handler';

/**
 * The company scope is the handlers' to check, on the client they read: a company administrator's
 * command on another company's client is refused there, whatever route dispatched it.
 */
describe('client handlers: the company scope', () => {
  let events: SqliteEventStore;
  let companyA: string;
  let companyB: string;
  let clientOfB: string;
  let register: RegisterClientHandler;
  let change: ChangeClientHandler;
  let rotate: RotateClientSecretHandler;
  const registration = (companyId: string, scopes: 'admin'[] = []) => ({
    companyId,
    name: 'Portal',
    clientType: 'confidential' as const,
    redirectUris: ['https://a.example/cb'],
    allowUserTokens: true,
    scopes,
  });

  beforeAll(async () => {
    ({ events, companyA, companyB } = await twoTenants());
    register = new RegisterClientHandler(events);
    change = new ChangeClientHandler(events);
    rotate = new RotateClientSecretHandler(events);
    ({ clientId: clientOfB } = await register.execute(new RegisterClient(registration(companyB), platformAdmin)));
  });
  afterAll(() => events.close());

  it.each<[string, ClientChange]>([
    ['disabling', { type: 'DisableClient' }],
    ['enabling', { type: 'EnableClient' }],
    ['adding a redirect URI to', { type: 'AddRedirectUri', uri: 'https://evil.example/cb' }],
    ['removing a redirect URI from', { type: 'RemoveRedirectUri', uri: 'https://a.example/cb' }],
    ['changing the PKCE rule of', { type: 'SetPkceRequirement', requirePkce: true }],
    ['revoking the tokens of', { type: 'RevokeClientTokens' }],
  ])('refuses %s another company’s client as not found, appending nothing', async (_, clientChange) => {
    await expectRefusedWithNothingAppended(
      events,
      () => change.execute(new ChangeClient(clientOfB, clientChange, companyAdmin(companyA))),
      notFoundProblem('client', clientOfB),
    );
  });

  it('refuses rotating another company’s client secret as not found, appending nothing', async () => {
    await expectRefusedWithNothingAppended(
      events,
      () => rotate.execute(new RotateClientSecret(clientOfB, companyAdmin(companyA))),
      notFoundProblem('client', clientOfB),
    );
  });

  it('answers not found, not a stale revision, whatever If-Match names on another company’s client', async () => {
    for (const ifRevision of [0, 7]) {
      await expectRefusedWithNothingAppended(
        events,
        () =>
          change.execute(
            new ChangeClient(
              clientOfB,
              { type: 'SetPkceRequirement', requirePkce: true },
              companyAdmin(companyA),
              ifRevision,
            ),
          ),
        notFoundProblem('client', clientOfB),
      );
    }
  });

  it('answers not found for a client that does not exist, whatever If-Match names', async () => {
    const unknown = randomUUID();
    await expectRefusedWithNothingAppended(
      events,
      () => change.execute(new ChangeClient(unknown, { type: 'DisableClient' }, platformAdmin, 3)),
      notFoundProblem('client', unknown),
    );
  });

  it('refuses registering a client in another company, or in none, as that company not found', async () => {
    for (const companyId of [companyB, randomUUID()]) {
      await expectRefusedWithNothingAppended(
        events,
        () => register.execute(new RegisterClient(registration(companyId), companyAdmin(companyA))),
        notFoundProblem('company', companyId),
      );
    }
  });

  it('refuses a company administrator a client with scopes its token does not hold', async () => {
    await expectRefusedWithNothingAppended(
      events,
      () => register.execute(new RegisterClient(registration(companyA, ['admin']), companyAdmin(companyA, []))),
      { status: 403, code: 'scope_not_held' },
    );
  });

  it('lets a company administrator change its own company’s clients', async () => {
    const { position } = await change.execute(
      new ChangeClient(clientOfB, { type: 'DisableClient' }, companyAdmin(companyB)),
    );
    expect(position).toBeDefined();
    const [, disabled] = await events.readStream(clientStream(clientOfB));
    expect(disabled).toMatchObject({ type: 'ClientDisabled', metadata: { companyId: companyB } });
  });

  it('still refuses a platform administrator’s stale If-Match', async () => {
    await expectRefusedWithNothingAppended(
      events,
      () => change.execute(new ChangeClient(clientOfB, { type: 'EnableClient' }, platformAdmin, 0)),
      { name: 'StaleRevisionError', expected: 0, actual: 1 },
    );
  });
});
