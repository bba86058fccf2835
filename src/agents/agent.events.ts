import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** What happens to an agent: the facts its stream records, and the settings they carry. */

export interface AgentSettings {
  name: string;
  /** How many earlier messages go with each prompt. */
  maxMessages: number;
  /** The LLM sampling temperature. */
  temperature: number;
}

export type AgentEvent =
  | DomainEvent<'AgentRegistered', { agentId: string; companyId: string; registeredAt: string } & AgentSettings>
  | DomainEvent<'AgentSettingsChanged', { agentId: string; changedAt: string } & AgentSettings>
  | DomainEvent<'AgentRetired', { agentId: string; retiredAt: string }>;

export const agentEvents = eventCatalogue<AgentEvent>({
  AgentRegistered: { version: 1 },
  AgentSettingsChanged: { version: 1 },
  AgentRetired: { version: 1 },
});
