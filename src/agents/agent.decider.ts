import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { type AgentEvent, agentEvents, type AgentSettings } from './agent.events';

/** The Agent aggregate: an AI agent of a company, with the chat defaults its users start from. */

export const MAX_AGENT_NAME_LENGTH = 200;
export const MAX_MESSAGES_RANGE = { min: 1, max: 1000, default: 20 } as const;
export const TEMPERATURE_RANGE = { min: 0, max: 2, default: 0.7 } as const;

export type AgentCommand =
  | ({ type: 'RegisterAgent'; agentId: string; companyId: string; now: string } & AgentSettings)
  | ({ type: 'ChangeAgentSettings'; agentId: string; now: string } & Partial<AgentSettings>)
  | { type: 'RetireAgent'; agentId: string; now: string };

export type AgentState =
  { status: 'absent' } | ({ status: 'active' | 'retired'; agentId: string; companyId: string } & AgentSettings);

export const agentStream = (agentId: string) => `agent-${agentId}`;

function evolve(state: AgentState, event: AgentEvent): AgentState {
  switch (event.type) {
    case 'AgentRegistered': {
      const { agentId, companyId, name, maxMessages, temperature } = event.data;
      return { status: 'active', agentId, companyId, name, maxMessages, temperature };
    }
    case 'AgentSettingsChanged': {
      if (state.status === 'absent') return state;
      const { name, maxMessages, temperature } = event.data;
      return { ...state, name, maxMessages, temperature };
    }
    case 'AgentRetired':
      return state.status === 'absent' ? state : { ...state, status: 'retired' };
  }
}

function decide(command: AgentCommand, state: AgentState): AgentEvent[] {
  if (command.type === 'RegisterAgent') {
    if (state.status !== 'absent')
      throw new DomainError('conflict', 'agent_exists', `agent ${command.agentId} already exists`);
    const { agentId, companyId, now, ...settings } = command;
    return [{ type: 'AgentRegistered', data: { agentId, companyId, ...validSettings(settings), registeredAt: now } }];
  }
  if (state.status === 'absent') throw new DomainError('not_found', 'agent_not_found', `no agent ${command.agentId}`);
  switch (command.type) {
    case 'ChangeAgentSettings': {
      if (state.status === 'retired')
        throw new DomainError('conflict', 'agent_retired', `agent ${state.agentId} is retired`);
      const next = validSettings({
        name: command.name ?? state.name,
        maxMessages: command.maxMessages ?? state.maxMessages,
        temperature: command.temperature ?? state.temperature,
      });
      const unchanged =
        next.name === state.name && next.maxMessages === state.maxMessages && next.temperature === state.temperature;
      return unchanged
        ? []
        : [{ type: 'AgentSettingsChanged', data: { agentId: state.agentId, ...next, changedAt: command.now } }];
    }
    case 'RetireAgent':
      return state.status === 'retired'
        ? []
        : [{ type: 'AgentRetired', data: { agentId: state.agentId, retiredAt: command.now } }];
  }
}

export function assertMaxMessages(value: number): void {
  if (!Number.isInteger(value) || value < MAX_MESSAGES_RANGE.min || value > MAX_MESSAGES_RANGE.max) {
    throw new DomainError(
      'invalid',
      'invalid_max_messages',
      `maxMessages is a whole number from ${MAX_MESSAGES_RANGE.min} to ${MAX_MESSAGES_RANGE.max}`,
    );
  }
}

export function assertTemperature(value: number): void {
  if (!Number.isFinite(value) || value < TEMPERATURE_RANGE.min || value > TEMPERATURE_RANGE.max) {
    throw new DomainError(
      'invalid',
      'invalid_temperature',
      `temperature is a number from ${TEMPERATURE_RANGE.min} to ${TEMPERATURE_RANGE.max}`,
    );
  }
}

function validSettings(settings: AgentSettings): AgentSettings {
  const name = settings.name.trim();
  if (name.length === 0 || name.length > MAX_AGENT_NAME_LENGTH) {
    throw new DomainError(
      'invalid',
      'invalid_agent_name',
      `an agent name has 1 to ${MAX_AGENT_NAME_LENGTH} characters`,
    );
  }
  assertMaxMessages(settings.maxMessages);
  assertTemperature(settings.temperature);
  return { name, maxMessages: settings.maxMessages, temperature: settings.temperature };
}

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  events: agentEvents,
  initialState: { status: 'absent' },
  evolve,
  decide,
};
