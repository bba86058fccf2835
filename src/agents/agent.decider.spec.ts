import { DomainError } from '../platform/domain/domain-error';
import { AgentCommand, AgentEvent, agentDecider } from './agent.decider';

const registeredAt = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';

const registered: AgentEvent = {
  type: 'AgentRegistered',
  data: { agentId: 'a1', companyId: 'c1', name: 'Helper', maxMessages: 20, temperature: 0.7, registeredAt },
};
const retired: AgentEvent = { type: 'AgentRetired', data: { agentId: 'a1', retiredAt: registeredAt } };

/** given events, when command, then events (or a refusal). */
function given(...history: AgentEvent[]) {
  const state = history.reduce(agentDecider.evolve, agentDecider.initialState);
  return { when: (command: AgentCommand) => () => agentDecider.decide(command, state) };
}

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
      expect(given().when(register({ name: '  Helper  ' }))()).toEqual([
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
      const [event] = given().when(register(fields))();
      expect(event.data).toEqual(expect.objectContaining(fields));
    });

    it('refuses to register an agent twice', () => {
      const then = given(registered).when(register({ name: 'Other' }));
      expect(then).toThrow(expect.objectContaining({ kind: 'conflict', code: 'agent_exists' }));
    });

    it('refuses to register a retired agent again', () => {
      const then = given(registered, retired).when(register());
      expect(then).toThrow(expect.objectContaining({ kind: 'conflict', code: 'agent_exists' }));
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
      const then = given().when(register(fields));
      expect(then).toThrow(DomainError);
      expect(then).toThrow(expect.objectContaining({ kind: 'invalid', code }));
    });
  });

  describe('ChangeAgentSettings', () => {
    it('changes one setting and carries the others over', () => {
      expect(given(registered).when(change({ temperature: 1.2 }))()).toEqual(
        changed({ name: 'Helper', maxMessages: 20, temperature: 1.2 }),
      );
    });

    it('changes all settings at once, the name trimmed', () => {
      expect(given(registered).when(change({ name: ' Advisor ', maxMessages: 50, temperature: 0 }))()).toEqual(
        changed({ name: 'Advisor', maxMessages: 50, temperature: 0 }),
      );
    });

    it('takes 0 as a temperature, not as "keep the current one"', () => {
      expect(given(registered).when(change({ temperature: 0 }))()).toEqual(
        changed({ name: 'Helper', maxMessages: 20, temperature: 0 }),
      );
    });

    it('records nothing when the settings repeat the current values', () => {
      expect(given(registered).when(change({ name: ' Helper ', maxMessages: 20, temperature: 0.7 }))()).toEqual([]);
    });

    it('records nothing for an empty change', () => {
      expect(given(registered).when(change({}))()).toEqual([]);
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
      const then = given(registered).when(change(fields));
      expect(then).toThrow(expect.objectContaining({ kind: 'invalid', code }));
    });

    it('folds earlier changes into state', () => {
      const history: AgentEvent[] = [
        registered,
        {
          type: 'AgentSettingsChanged',
          data: { agentId: 'a1', name: 'Advisor', maxMessages: 50, temperature: 1, changedAt: registeredAt },
        },
      ];
      expect(given(...history).when(change({ name: 'Advisor', maxMessages: 50, temperature: 1 }))()).toEqual([]);
      expect(given(...history).when(change({ maxMessages: 60 }))()).toEqual(
        changed({ name: 'Advisor', maxMessages: 60, temperature: 1 }),
      );
    });

    it('refuses to change a retired agent', () => {
      const then = given(registered, retired).when(change({ temperature: 1 }));
      expect(then).toThrow(expect.objectContaining({ kind: 'conflict', code: 'agent_retired' }));
    });

    it('refuses to change a retired agent even when the change repeats its values', () => {
      const then = given(registered, retired).when(change({ temperature: 0.7 }));
      expect(then).toThrow(expect.objectContaining({ code: 'agent_retired' }));
    });
  });

  describe('RetireAgent', () => {
    const retire: AgentCommand = { type: 'RetireAgent', agentId: 'a1', now };

    it('retires an active agent', () => {
      expect(given(registered).when(retire)()).toEqual([
        { type: 'AgentRetired', data: { agentId: 'a1', retiredAt: now } },
      ]);
    });

    it('records nothing when retiring a retired agent', () => {
      expect(given(registered, retired).when(retire)()).toEqual([]);
    });
  });

  describe('an agent that does not exist', () => {
    it.each<AgentCommand>([
      { type: 'ChangeAgentSettings', agentId: 'a9', temperature: 1, now },
      { type: 'RetireAgent', agentId: 'a9', now },
    ])('refuses $type', (command) => {
      expect(given().when(command)).toThrow(expect.objectContaining({ kind: 'not_found', code: 'agent_not_found' }));
    });
  });
});
