import { deciderSpec } from '../../test/support/decider-spec';
import { DomainError } from '../platform/domain/domain-error';
import { type AgentFacts, type UserCommand, userDecider } from './user.decider';
import type { UserEvent } from './user.events';

const registeredAt = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';

const registered: UserEvent = {
  type: 'UserRegistered',
  data: {
    userId: 'u1',
    companyId: 'c1',
    email: 'ada@example.com',
    role: 'user',
    firstName: 'Ada',
    lastName: 'Lovelace',
    registeredAt,
  },
};
const granted = (agentId: string): UserEvent => ({
  type: 'UserGrantedAgent',
  data: { userId: 'u1', agentId, grantedAt: registeredAt },
});
const revoked = (agentId: string): UserEvent => ({
  type: 'UserAgentRevoked',
  data: { userId: 'u1', agentId, revokedAt: registeredAt },
});
const defaultSet = (agentId: string): UserEvent => ({
  type: 'UserDefaultAgentSet',
  data: { userId: 'u1', agentId, setAt: registeredAt },
});
const defaultCleared: UserEvent = { type: 'UserDefaultAgentCleared', data: { userId: 'u1', clearedAt: registeredAt } };
const chatSettingsChanged = (maxMessages: number | null, temperature: number | null): UserEvent => ({
  type: 'UserChatSettingsChanged',
  data: { userId: 'u1', maxMessages, temperature, changedAt: registeredAt },
});
const deactivated: UserEvent = { type: 'UserDeactivated', data: { userId: 'u1', deactivatedAt: registeredAt } };
const reactivated: UserEvent = { type: 'UserReactivated', data: { userId: 'u1', reactivatedAt: registeredAt } };

const { given } = deciderSpec(userDecider);

type Register = Extract<UserCommand, { type: 'RegisterUser' }>;
const register = (fields: Partial<Register> = {}): Register => ({
  type: 'RegisterUser',
  userId: 'u1',
  companyId: 'c1',
  email: 'ada@example.com',
  role: 'user',
  firstName: 'Ada',
  lastName: 'Lovelace',
  now,
  ...fields,
});
const activeAgent: AgentFacts = { companyId: 'c1', retired: false };
const grant = (agentId: string, agent: AgentFacts = activeAgent): UserCommand => ({
  type: 'GrantAgent',
  userId: 'u1',
  agentId,
  agent,
  now,
});
const revoke = (agentId: string): UserCommand => ({ type: 'RevokeAgent', userId: 'u1', agentId, now });
const setDefault = (agentId: string): UserCommand => ({ type: 'SetDefaultAgent', userId: 'u1', agentId, now });
const changeChat = (fields: { maxMessages?: number | null; temperature?: number | null }): UserCommand => ({
  type: 'ChangeChatSettings',
  userId: 'u1',
  now,
  ...fields,
});
const chatChanged = (maxMessages: number | null, temperature: number | null): UserEvent[] => [
  { type: 'UserChatSettingsChanged', data: { userId: 'u1', maxMessages, temperature, changedAt: now } },
];
const changeUser = (fields: Partial<Extract<UserCommand, { type: 'ChangeUser' }>>): UserCommand => ({
  type: 'ChangeUser',
  userId: 'u1',
  now,
  ...fields,
});

describe('user decider', () => {
  describe('RegisterUser', () => {
    it('registers a user with email and names trimmed', () => {
      given()
        .when(register({ email: ' ada@example.com ', firstName: ' Ada ', lastName: 'Lovelace  ' }))
        .then([
          {
            type: 'UserRegistered',
            data: {
              userId: 'u1',
              companyId: 'c1',
              email: 'ada@example.com',
              role: 'user',
              firstName: 'Ada',
              lastName: 'Lovelace',
              registeredAt: now,
            },
          },
        ]);
    });

    it('refuses to register a user twice', () => {
      given(registered)
        .when(register({ firstName: 'Other' }))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'user_exists' }));
    });

    it.each([
      ['letters and digits', 'Ada1'],
      ['every allowed punctuation', 'a.b_c@d:e-f'],
      ['an email-like id', 'ada.lovelace@example.com'],
      ['one character', 'x'],
      ['128 characters', 'x'.repeat(128)],
    ])('accepts a userid of %s', (_, userId) => {
      const [event] = given().when(register({ userId })).decide();
      expect(event.data).toEqual(expect.objectContaining({ userId }));
    });

    it.each([
      ['empty', ''],
      ['129 characters', 'x'.repeat(129)],
      ['a space', 'ada lovelace'],
      ['a slash', 'ada/1'],
      ['a plus sign', 'ada+1'],
      ['non-ASCII letters', 'adé'],
      ['a trailing newline', 'ada\n'],
    ])('refuses a userid with %s', (_, userId) => {
      const when = given().when(register({ userId }));
      when.thenRefuses(DomainError);
      when.thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_user_id' }));
    });

    it.each([
      ['a blank first name', { firstName: '  ' }],
      ['a blank last name', { lastName: '' }],
      ['an over-long first name', { firstName: 'x'.repeat(101) }],
      ['an over-long last name', { lastName: 'x'.repeat(101) }],
    ])('refuses %s', (_, fields) => {
      given()
        .when(register(fields))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_user_name' }));
    });

    it('accepts names of exactly 100 characters', () => {
      expect(
        given()
          .when(register({ firstName: 'x'.repeat(100), lastName: 'y'.repeat(100) }))
          .decide(),
      ).toHaveLength(1);
    });
  });

  describe('GrantAgent', () => {
    it('grants an active agent of the user’s company', () => {
      given(registered)
        .when(grant('a1'))
        .then([{ type: 'UserGrantedAgent', data: { userId: 'u1', agentId: 'a1', grantedAt: now } }]);
    });

    it('records nothing when the agent is already granted', () => {
      given(registered, granted('a1')).when(grant('a1')).then([]);
    });

    it('grants a second, different agent', () => {
      given(registered, granted('a1'))
        .when(grant('a2'))
        .then([{ type: 'UserGrantedAgent', data: { userId: 'u1', agentId: 'a2', grantedAt: now } }]);
    });

    it('grants again after a revocation', () => {
      expect(given(registered, granted('a1'), revoked('a1')).when(grant('a1')).decide()).toHaveLength(1);
    });

    it('refuses an agent of another company', () => {
      given(registered)
        .when(grant('a1', { companyId: 'c2', retired: false }))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'agent_not_found' }));
    });

    it('refuses an unknown agent', () => {
      given(registered)
        .when(grant('a9', null))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'agent_not_found' }));
    });

    it('refuses a retired agent', () => {
      given(registered)
        .when(grant('a1', { companyId: 'c1', retired: true }))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_retired' }));
    });

    it('hides a retired agent of another company as not found', () => {
      given(registered)
        .when(grant('a1', { companyId: 'c2', retired: true }))
        .thenRefuses(expect.objectContaining({ code: 'agent_not_found' }));
    });
  });

  describe('RevokeAgent', () => {
    it('revokes a granted agent that is not the default', () => {
      given(registered, granted('a1'), granted('a2'), defaultSet('a2'))
        .when(revoke('a1'))
        .then([{ type: 'UserAgentRevoked', data: { userId: 'u1', agentId: 'a1', revokedAt: now } }]);
    });

    it('revoking the default agent also clears the default', () => {
      given(registered, granted('a1'), defaultSet('a1'))
        .when(revoke('a1'))
        .then([
          { type: 'UserAgentRevoked', data: { userId: 'u1', agentId: 'a1', revokedAt: now } },
          { type: 'UserDefaultAgentCleared', data: { userId: 'u1', clearedAt: now } },
        ]);
    });

    it('does not clear a default that was cleared already', () => {
      given(registered, granted('a1'), defaultSet('a1'), defaultCleared)
        .when(revoke('a1'))
        .then([{ type: 'UserAgentRevoked', data: { userId: 'u1', agentId: 'a1', revokedAt: now } }]);
    });

    it('refuses to revoke an agent that was never granted', () => {
      given(registered)
        .when(revoke('a1'))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'agent_not_granted' }));
    });

    it('refuses to revoke an agent twice', () => {
      given(registered, granted('a1'), revoked('a1'))
        .when(revoke('a1'))
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'agent_not_granted' }));
    });
  });

  describe('SetDefaultAgent', () => {
    it('sets a granted agent as the default', () => {
      given(registered, granted('a1'))
        .when(setDefault('a1'))
        .then([{ type: 'UserDefaultAgentSet', data: { userId: 'u1', agentId: 'a1', setAt: now } }]);
    });

    it('records nothing when the agent is already the default', () => {
      given(registered, granted('a1'), defaultSet('a1')).when(setDefault('a1')).then([]);
    });

    it('switches the default to another granted agent', () => {
      given(registered, granted('a1'), granted('a2'), defaultSet('a1'))
        .when(setDefault('a2'))
        .then([{ type: 'UserDefaultAgentSet', data: { userId: 'u1', agentId: 'a2', setAt: now } }]);
    });

    it('sets the default again after it was cleared', () => {
      expect(
        given(registered, granted('a1'), defaultSet('a1'), defaultCleared).when(setDefault('a1')).decide(),
      ).toHaveLength(1);
    });

    it('refuses an agent that is not granted', () => {
      given(registered)
        .when(setDefault('a1'))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_not_granted' }));
    });

    it('refuses an agent whose grant was revoked', () => {
      given(registered, granted('a1'), revoked('a1'))
        .when(setDefault('a1'))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_not_granted' }));
    });
  });

  describe('ChangeChatSettings', () => {
    it('sets overrides on a user without any', () => {
      given(registered)
        .when(changeChat({ maxMessages: 10, temperature: 1.5 }))
        .then(chatChanged(10, 1.5));
    });

    it('keeps a setting that the command leaves undefined', () => {
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ temperature: 0.2 }))
        .then(chatChanged(10, 0.2));
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ maxMessages: 30 }))
        .then(chatChanged(30, 1.5));
    });

    it('clears a setting that the command sets to null', () => {
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ maxMessages: null }))
        .then(chatChanged(null, 1.5));
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ maxMessages: null, temperature: null }))
        .then(chatChanged(null, null));
    });

    it('takes 0 as a temperature, not as "keep the current one"', () => {
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ temperature: 0 }))
        .then(chatChanged(10, 0));
    });

    it('records nothing when the settings repeat the current values', () => {
      given(registered, chatSettingsChanged(10, 1.5))
        .when(changeChat({ maxMessages: 10, temperature: 1.5 }))
        .then([]);
    });

    it('records nothing when clearing settings that are already clear', () => {
      given(registered)
        .when(changeChat({ maxMessages: null, temperature: null }))
        .then([]);
    });

    it('records nothing for an empty change', () => {
      given(registered, chatSettingsChanged(10, 1.5)).when(changeChat({})).then([]);
    });

    it.each([
      ['maxMessages 1 and temperature 0', { maxMessages: 1, temperature: 0 }],
      ['maxMessages 1000 and temperature 2', { maxMessages: 1000, temperature: 2 }],
    ])('accepts the bounds: %s', (_, fields) => {
      given(registered).when(changeChat(fields)).then(chatChanged(fields.maxMessages, fields.temperature));
    });

    it.each([
      ['maxMessages 0', { maxMessages: 0 }, 'invalid_max_messages'],
      ['maxMessages 1001', { maxMessages: 1001 }, 'invalid_max_messages'],
      ['fractional maxMessages', { maxMessages: 1.5 }, 'invalid_max_messages'],
      ['a negative temperature', { temperature: -0.5 }, 'invalid_temperature'],
      ['a temperature above 2', { temperature: 2.5 }, 'invalid_temperature'],
      ['a NaN temperature', { temperature: NaN }, 'invalid_temperature'],
    ])('refuses %s', (_, fields, code) => {
      given(registered)
        .when(changeChat(fields))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code }));
    });
  });

  describe('ChangeUser', () => {
    it('changes the profile only', () => {
      given(registered)
        .when(changeUser({ firstName: ' Augusta ' }))
        .then([
          {
            type: 'UserProfileChanged',
            data: { userId: 'u1', firstName: 'Augusta', lastName: 'Lovelace', changedAt: now },
          },
        ]);
    });

    it('changes the role only', () => {
      given(registered)
        .when(changeUser({ role: 'company_admin' }))
        .then([{ type: 'UserRoleChanged', data: { userId: 'u1', role: 'company_admin', changedAt: now } }]);
    });

    it('changes profile and role as two facts', () => {
      given(registered)
        .when(changeUser({ lastName: 'King', role: 'monitor' }))
        .then([
          { type: 'UserProfileChanged', data: { userId: 'u1', firstName: 'Ada', lastName: 'King', changedAt: now } },
          { type: 'UserRoleChanged', data: { userId: 'u1', role: 'monitor', changedAt: now } },
        ]);
    });

    it('records nothing when the change repeats the current values', () => {
      given(registered)
        .when(changeUser({ firstName: ' Ada', lastName: 'Lovelace ', role: 'user' }))
        .then([]);
    });

    it('records nothing for an empty change', () => {
      given(registered).when(changeUser({})).then([]);
    });

    it('records only the part that really changes', () => {
      given(registered)
        .when(changeUser({ firstName: 'Ada', role: 'compliance' }))
        .then([{ type: 'UserRoleChanged', data: { userId: 'u1', role: 'compliance', changedAt: now } }]);
    });

    it('folds earlier profile and role changes into state', () => {
      const history: UserEvent[] = [
        registered,
        {
          type: 'UserProfileChanged',
          data: { userId: 'u1', firstName: 'Augusta', lastName: 'King', changedAt: registeredAt },
        },
        { type: 'UserRoleChanged', data: { userId: 'u1', role: 'monitor', changedAt: registeredAt } },
      ];
      given(...history)
        .when(changeUser({ firstName: 'Augusta', lastName: 'King', role: 'monitor' }))
        .then([]);
      given(...history)
        .when(changeUser({ firstName: 'Ada' }))
        .then([
          { type: 'UserProfileChanged', data: { userId: 'u1', firstName: 'Ada', lastName: 'King', changedAt: now } },
        ]);
    });

    it.each([
      ['a blank first name', { firstName: '  ' }],
      ['an empty last name', { lastName: '' }],
      ['an over-long last name', { lastName: 'x'.repeat(101) }],
    ])('refuses %s', (_, fields) => {
      given(registered)
        .when(changeUser(fields))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_user_name' }));
    });
  });

  describe('DeactivateUser and ReactivateUser', () => {
    const deactivate: UserCommand = { type: 'DeactivateUser', userId: 'u1', now };
    const reactivate: UserCommand = { type: 'ReactivateUser', userId: 'u1', now };

    it('deactivates an active user', () => {
      given(registered)
        .when(deactivate)
        .then([{ type: 'UserDeactivated', data: { userId: 'u1', deactivatedAt: now } }]);
    });

    it('records nothing when deactivating a deactivated user', () => {
      given(registered, deactivated).when(deactivate).then([]);
    });

    it('reactivates a deactivated user', () => {
      given(registered, deactivated)
        .when(reactivate)
        .then([{ type: 'UserReactivated', data: { userId: 'u1', reactivatedAt: now } }]);
    });

    it('records nothing when reactivating an active user', () => {
      given(registered).when(reactivate).then([]);
    });

    it('folds deactivate then reactivate back to active', () => {
      given(registered, deactivated, reactivated).when(reactivate).then([]);
      expect(given(registered, deactivated, reactivated).when(deactivate).decide()).toHaveLength(1);
    });

    it('keeps grants and default across deactivation', () => {
      const history = [registered, granted('a1'), defaultSet('a1'), deactivated, reactivated];
      given(...history)
        .when(setDefault('a1'))
        .then([]);
      given(...history)
        .when(grant('a1'))
        .then([]);
    });
  });

  describe('a user that does not exist', () => {
    it.each<UserCommand>([
      { type: 'GrantAgent', userId: 'u9', agentId: 'a1', agent: { companyId: 'c1', retired: false }, now },
      { type: 'RevokeAgent', userId: 'u9', agentId: 'a1', now },
      { type: 'SetDefaultAgent', userId: 'u9', agentId: 'a1', now },
      { type: 'ChangeChatSettings', userId: 'u9', maxMessages: 10, now },
      { type: 'ChangeUser', userId: 'u9', firstName: 'X', now },
      { type: 'DeactivateUser', userId: 'u9', now },
      { type: 'ReactivateUser', userId: 'u9', now },
    ])('refuses $type', (command) => {
      given()
        .when(command)
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'user_not_found' }));
    });
  });

  describe('erasure', () => {
    const erase = (reason = 'data subject request'): UserCommand => ({ type: 'EraseUser', userId: 'u1', reason, now });
    const erased: UserEvent = {
      type: 'UserErased',
      data: { userId: 'u1', erasedAt: registeredAt, reason: 'data subject request' },
    };

    it('ends the tokens, then records the erasure with its reason, trimmed', () => {
      given(registered, granted('a1'))
        .when(erase('  data subject request  '))
        .then([
          { type: 'UserTokensRevoked', data: { userId: 'u1', revokedAt: now } },
          { type: 'UserErased', data: { userId: 'u1', erasedAt: now, reason: 'data subject request' } },
        ]);
    });

    it('erases a deactivated user too', () => {
      expect(
        given(registered, deactivated)
          .when(erase())
          .decide()
          .map((event) => event.type),
      ).toEqual(['UserTokensRevoked', 'UserErased']);
    });

    it.each(['', '   ', 'x'.repeat(501)])('refuses a reason that is blank or too long (%#)', (reason) => {
      given(registered)
        .when(erase(reason))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_erasure_reason' }));
    });

    it('refuses to erase a user that does not exist', () => {
      given()
        .when(erase())
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'user_not_found' }));
    });

    it('leaves the user erased, with no name, and tokens no longer honoured', () => {
      expect(given(registered, erased).state).toMatchObject({
        status: 'erased',
        userId: 'u1',
        companyId: 'c1',
        firstName: '[erased]',
        lastName: '[erased]',
      });
    });

    it('records a second erasure as nothing', () => {
      given(registered, erased).when(erase()).then([]);
    });

    it.each<UserCommand>([
      { type: 'GrantAgent', userId: 'u1', agentId: 'a1', agent: { companyId: 'c1', retired: false }, now },
      { type: 'RevokeAgent', userId: 'u1', agentId: 'a1', now },
      { type: 'SetDefaultAgent', userId: 'u1', agentId: 'a1', now },
      { type: 'ChangeChatSettings', userId: 'u1', maxMessages: 10, now },
      { type: 'ChangeUser', userId: 'u1', firstName: 'X', now },
      { type: 'DeactivateUser', userId: 'u1', now },
      { type: 'ReactivateUser', userId: 'u1', now },
      { type: 'RevokeUserTokens', userId: 'u1', now },
    ])('refuses $type on an erased user', (command) => {
      given(registered, granted('a1'), erased)
        .when(command)
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'user_erased' }));
    });

    it('refuses to register the erased user id again', () => {
      given(registered, erased)
        .when(register())
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'user_exists' }));
    });
  });
});
