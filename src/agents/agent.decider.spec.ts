import { deciderSpec } from '../../test/support/decider-spec';
import { DomainError } from '../platform/domain/domain-error';
import { type AgentCommand, agentDecider } from './agent.decider';
import type { AgentEvent } from './agent.events';

const registeredAt = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';

const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'a1', companyId: 'c1', name: 'Helper', maxMessages: 20, temperature: 0.7, registeredAt },
};
const retired: AgentEvent = { type: 'AgentRetired', data: { agentId: 'a1', retiredAt: registeredAt } };

const { given } = deciderSpec(agentDecider);

const register = (fields: Partial<Extract<AgentCommand, { type: 'RegisterAgent' }>> = {}): AgentCommand => ({
  type: 'RegisterAgent',
  agentId: 'a1',
  companyId: 'c1',
  name: 'Helper',
  maxMessages: 20,
  temperature: 0.7,
  now,
  ...fields,
});
const change = (fields: { name?: string; maxMessages?: number; temperature?: number }): AgentCommand => ({
  type: 'ChangeAgentSettings',
  agentId: 'a1',
  now,
  ...fields,
});
const changed = (settings: { name: string; maxMessages: number; temperature: number }): AgentEvent[] => [
  { type: 'AgentSettingsChanged', data: { agentId: 'a1', ...settings, changedAt: now } },
];

describe('agent decider', () => {
  describe('RegisterAgent', () => {
    it('registers an agent with its name trimmed', () => {
      given()
        .when(register({ name: '  Helper  ' }))
        .then([
          {
            type: 'AgentRegistered',
            data: {
              agentId: 'a1',
              companyId: 'c1',
              name: 'Helper',
              maxMessages: 20,
              temperature: 0.7,
              registeredAt: now,
            },
          },
        ]);
    });

    it.each([
      ['the lowest bounds', { name: 'x', maxMessages: 1, temperature: 0 }],
      ['the highest bounds', { name: 'x'.repeat(200), maxMessages: 1000, temperature: 2 }],
    ])('accepts %s', (_, fields) => {
      const [event] = given().when(register(fields)).decide();
      expect(event.data).toEqual(expect.objectContaining(fields));
    });

    it('refuses to register an agent twice', () => {
      given(registered)
        .when(register({ name: 'Other' }))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_exists' }));
    });

    it('refuses to register a retired agent again', () => {
      given(registered, retired)
        .when(register())
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_exists' }));
    });

    it.each([
      ['a blank name', { name: '   ' }, 'invalid_agent_name'],
      ['an empty name', { name: '' }, 'invalid_agent_name'],
      ['an over-long name', { name: 'x'.repeat(201) }, 'invalid_agent_name'],
      ['maxMessages 0', { maxMessages: 0 }, 'invalid_max_messages'],
      ['maxMessages 1001', { maxMessages: 1001 }, 'invalid_max_messages'],
      ['fractional maxMessages', { maxMessages: 2.5 }, 'invalid_max_messages'],
      ['NaN maxMessages', { maxMessages: NaN }, 'invalid_max_messages'],
      ['a negative temperature', { temperature: -0.1 }, 'invalid_temperature'],
      ['a temperature above 2', { temperature: 2.01 }, 'invalid_temperature'],
      ['a NaN temperature', { temperature: NaN }, 'invalid_temperature'],
      ['an infinite temperature', { temperature: Infinity }, 'invalid_temperature'],
    ])('refuses %s', (_, fields, code) => {
      const attempt = given().when(register(fields));
      attempt.thenRefuses(DomainError);
      attempt.thenRefuses(expect.objectContaining({ kind: 'invalid', code }));
    });
  });

  describe('ChangeAgentSettings', () => {
    it('changes one setting and carries the others over', () => {
      given(registered)
        .when(change({ temperature: 1.2 }))
        .then(changed({ name: 'Helper', maxMessages: 20, temperature: 1.2 }));
    });

    it('changes all settings at once, the name trimmed', () => {
      given(registered)
        .when(change({ name: ' Advisor ', maxMessages: 50, temperature: 0 }))
        .then(changed({ name: 'Advisor', maxMessages: 50, temperature: 0 }));
    });

    it('takes 0 as a temperature, not as "keep the current one"', () => {
      given(registered)
        .when(change({ temperature: 0 }))
        .then(changed({ name: 'Helper', maxMessages: 20, temperature: 0 }));
    });

    it('records nothing when the settings repeat the current values', () => {
      given(registered)
        .when(change({ name: ' Helper ', maxMessages: 20, temperature: 0.7 }))
        .then([]);
    });

    it('records nothing for an empty change', () => {
      given(registered).when(change({})).then([]);
    });

    it.each([
      ['a blank name', { name: '  ' }, 'invalid_agent_name'],
      ['an empty name', { name: '' }, 'invalid_agent_name'],
      ['an over-long name', { name: 'x'.repeat(201) }, 'invalid_agent_name'],
      ['maxMessages 0', { maxMessages: 0 }, 'invalid_max_messages'],
      ['maxMessages 1001', { maxMessages: 1001 }, 'invalid_max_messages'],
      ['fractional maxMessages', { maxMessages: 1.5 }, 'invalid_max_messages'],
      ['a negative temperature', { temperature: -1 }, 'invalid_temperature'],
      ['a temperature above 2', { temperature: 3 }, 'invalid_temperature'],
    ])('refuses %s', (_, fields, code) => {
      given(registered)
        .when(change(fields))
        .thenRefuses(expect.objectContaining({ kind: 'invalid', code }));
    });

    it('folds earlier changes into state', () => {
      const history: AgentEvent[] = [
        registered,
        {
          type: 'AgentSettingsChanged',
          data: { agentId: 'a1', name: 'Advisor', maxMessages: 50, temperature: 1, changedAt: registeredAt },
        },
      ];
      given(...history)
        .when(change({ name: 'Advisor', maxMessages: 50, temperature: 1 }))
        .then([]);
      given(...history)
        .when(change({ maxMessages: 60 }))
        .then(changed({ name: 'Advisor', maxMessages: 60, temperature: 1 }));
    });

    it('refuses to change a retired agent', () => {
      given(registered, retired)
        .when(change({ temperature: 1 }))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'agent_retired' }));
    });

    it('refuses to change a retired agent even when the change repeats its values', () => {
      given(registered, retired)
        .when(change({ temperature: 0.7 }))
        .thenRefuses(expect.objectContaining({ code: 'agent_retired' }));
    });
  });

  describe('RetireAgent', () => {
    const retire: AgentCommand = { type: 'RetireAgent', agentId: 'a1', now };

    it('retires an active agent', () => {
      given(registered)
        .when(retire)
        .then([{ type: 'AgentRetired', data: { agentId: 'a1', retiredAt: now } }]);
    });

    it('records nothing when retiring a retired agent', () => {
      given(registered, retired).when(retire).then([]);
    });
  });

  describe('an agent that does not exist', () => {
    it.each<AgentCommand>([
      { type: 'ChangeAgentSettings', agentId: 'a9', temperature: 1, now },
      { type: 'RetireAgent', agentId: 'a9', now },
    ])('refuses $type', (command) => {
      given()
        .when(command)
        .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'agent_not_found' }));
    });
  });
});
