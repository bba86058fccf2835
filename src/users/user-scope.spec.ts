import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../test/support/temporary-directory';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { companyDecider, companyStream } from '../companies/company.decider';
import type { RequestContext } from '../platform/auth/request-context';
import { decideOnStream, StaleRevisionError } from '../platform/event-store/decide-on-stream';
import type { EventStore } from '../platform/event-store/event-store';
import { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { PersonalDataEventStore } from '../platform/personal-data/personal-data-event-store';
import { PersonalDataKeyRing } from '../platform/personal-data/personal-data-key-ring';
import { PersonalDataSecrets } from '../platform/personal-data/personal-data-secrets';
import { SqlitePersonalDataKeys } from '../platform/personal-data/sqlite-personal-data-keys';
import { ProblemException } from '../platform/http/problem-details';
import {
  ChangeUser,
  ChangeUserChatSettings,
  ChangeUserChatSettingsHandler,
  ChangeUserHandler,
} from './change-user.handler';
import { emailReservationDecider, legacyEmailReservationStream } from './email-reservation.decider';
import { EraseUser, EraseUserHandler } from './erase-user.handler';
import { RegisterUser, RegisterUserHandler } from './register-user.handler';
import { RevokeUserTokens, RevokeUserTokensHandler } from './revoke-user-tokens.handler';
import {
  DeactivateUser,
  DeactivateUserHandler,
  ReactivateUser,
  ReactivateUserHandler,
} from './user-activation.handler';
import {
  GrantUserAgent,
  GrantUserAgentHandler,
  RevokeUserAgent,
  RevokeUserAgentHandler,
  SetUserDefaultAgent,
  SetUserDefaultAgentHandler,
} from './user-agents.handler';
import { userStream } from './user.decider';
import { userPersonalData } from './user.events';
import { UserErasure } from './user-erasure';

/**
 * The company scope is checked by the handlers, on the streams they read: a company administrator's
 * write to another company's user is refused as if the user did not exist, whatever route sent it.
 */
describe('user writes within the company scope', () => {
  const companyA = randomUUID();
  const companyB = randomUUID();
  const agentId = randomUUID();
  const userId = 'ada';
  const now = '2026-11-27T10:00:00.000Z';
  const admin = (companyScope?: string): RequestContext => ({
    actor: { kind: 'admin', id: 'api-key:0123456789abcdef' },
    correlationId: randomUUID(),
    ...(companyScope ? { companyScope } : {}),
  });
  const platform = admin();
  const ofA = admin(companyA);
  const ofB = admin(companyB);
  const secrets = new PersonalDataSecrets(Buffer.alloc(32, 3));
  let keys: PersonalDataKeyRing;
  let store: EventStore;
  let handlers: ReturnType<typeof handlersOn>;

  const handlersOn = (events: EventStore) => ({
    register: new RegisterUserHandler(events, secrets),
    erase: new EraseUserHandler(events, new UserErasure(events, keys, secrets)),
    change: new ChangeUserHandler(events),
    chatSettings: new ChangeUserChatSettingsHandler(events),
    grant: new GrantUserAgentHandler(events),
    revokeAgent: new RevokeUserAgentHandler(events),
    setDefault: new SetUserDefaultAgentHandler(events),
    deactivate: new DeactivateUserHandler(events),
    reactivate: new ReactivateUserHandler(events),
    revokeTokens: new RevokeUserTokensHandler(events),
  });

  beforeAll(async () => {
    const directory = temporaryDirectory();
    keys = new PersonalDataKeyRing(new SqlitePersonalDataKeys(`${directory}/keys.sqlite`), secrets.keyEncryptionKey);
    store = new PersonalDataEventStore(new SqliteEventStore(`${directory}/events.sqlite`), keys, userPersonalData);
    handlers = handlersOn(store);
    const metadata = { actor: platform.actor, correlationId: 'setup', causationId: 'setup', at: now, schemaVersion: 1 };
    for (const companyId of [companyA, companyB]) {
      await decideOnStream(store, companyStream(companyId), companyDecider, {
        command: { type: 'RegisterCompany', companyId, name: companyId, userLicenses: 10, now },
        metadata,
      });
    }
    await decideOnStream(store, agentStream(agentId), agentDecider, {
      command: {
        type: 'RegisterAgent',
        agentId,
        companyId: companyA,
        name: 'Helper',
        maxMessages: 20,
        temperature: 1,
        now,
      },
      metadata,
    });
    const profile = { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', role: 'user' as const };
    await handlers.register.execute(new RegisterUser({ userId, companyId: companyA, ...profile }, platform));
    await handlers.grant.execute(new GrantUserAgent({ userId, agentId }, platform));
  });
  afterAll(() => store.close());

  const refusals: Array<[string, () => Promise<unknown>, string]> = [
    ['changing the profile', () => handlers.change.execute(new ChangeUser({ userId, firstName: 'X' }, ofB)), 'user'],
    [
      'changing the profile with a stale If-Match',
      () => handlers.change.execute(new ChangeUser({ userId, firstName: 'X' }, ofB, 99)),
      'user',
    ],
    [
      'changing the chat settings',
      () => handlers.chatSettings.execute(new ChangeUserChatSettings({ userId, maxMessages: 5 }, ofB)),
      'user',
    ],
    ['granting an agent', () => handlers.grant.execute(new GrantUserAgent({ userId, agentId }, ofB)), 'user'],
    ['revoking an agent', () => handlers.revokeAgent.execute(new RevokeUserAgent({ userId, agentId }, ofB)), 'user'],
    [
      'setting the default agent',
      () => handlers.setDefault.execute(new SetUserDefaultAgent({ userId, agentId }, ofB)),
      'user',
    ],
    ['deactivating', () => handlers.deactivate.execute(new DeactivateUser({ userId }, ofB)), 'user'],
    ['reactivating', () => handlers.reactivate.execute(new ReactivateUser({ userId }, ofB)), 'user'],
    ['revoking its tokens', () => handlers.revokeTokens.execute(new RevokeUserTokens({ userId }, ofB)), 'user'],
    ['erasing it', () => handlers.erase.execute(new EraseUser({ userId, reason: 'asked' }, ofB)), 'user'],
    [
      'registering a user in it',
      () =>
        handlers.register.execute(
          new RegisterUser(
            { companyId: companyA, email: 'eve@example.com', firstName: 'Eve', lastName: 'E', role: 'user' },
            ofB,
          ),
        ),
      'company',
    ],
  ];

  it.each(refusals)('refuses %s for another company’s administrator, appending nothing', async (_, write, what) => {
    const before = await store.headPosition();
    const refusal: unknown = await write().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ProblemException);
    const problem = refusal as ProblemException;
    const id = what === 'user' ? userId : companyA;
    expect({ status: problem.getStatus(), code: problem.code, detail: problem.message }).toEqual({
      status: 404,
      code: `${what}_not_found`,
      detail: `no ${what} ${id}`,
    });
    expect(await store.headPosition()).toEqual(before);
    expect(await keys.held([userId])).toEqual([userId]); // an erasure refused deletes no key
  });

  it('answers the same 404 for a user that does not exist', async () => {
    const refusal = handlers.change.execute(new ChangeUser({ userId: 'nobody', firstName: 'X' }, ofA, 3));
    await expect(refusal).rejects.toMatchObject({ code: 'user_not_found', message: 'no user nobody' });
  });

  it('lets the user’s own company administrator write, and tells it a stale If-Match', async () => {
    const stale = handlers.change.execute(new ChangeUser({ userId, firstName: 'Augusta' }, ofA, 99));
    await expect(stale).rejects.toBeInstanceOf(StaleRevisionError);
    const { position } = await handlers.change.execute(new ChangeUser({ userId, firstName: 'Augusta' }, ofA));
    expect(position).toBeDefined();
    const [last] = (await store.readStream(userStream(userId))).slice(-1);
    expect(last).toMatchObject({ type: 'UserProfileChanged', metadata: { companyId: companyA } });
  });

  it('keeps an email reserved under the former plain-hash name taken, appending nothing', async () => {
    const metadata = { actor: platform.actor, correlationId: 'old', causationId: 'old', at: now, schemaVersion: 1 };
    await decideOnStream(store, legacyEmailReservationStream(companyA, 'old@example.com'), emailReservationDecider, {
      command: { type: 'ReserveEmail', companyId: companyA, userId: 'old-user', now },
      metadata,
    });
    const before = await store.headPosition();
    const profile = { email: ' OLD@example.com', firstName: 'New', lastName: 'Comer', role: 'user' as const };
    const refused = handlers.register.execute(new RegisterUser({ companyId: companyA, ...profile }, platform));
    await expect(refused).rejects.toMatchObject({ code: 'email_taken' });
    expect(await store.headPosition()).toEqual(before);
  });
});
