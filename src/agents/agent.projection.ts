import type { RecordedEvent } from '../platform/event-store/event-store';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { agentEvents } from './agent.events';

export type AgentView = {
  readonly id: string;
  readonly companyId: string;
  readonly name: string;
  readonly maxMessages: number;
  readonly temperature: number;
  readonly status: 'active' | 'retired';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
};

export const agentsProjection: Projection = {
  name: 'agents',
  version: 1,
  collections: { agents: [{ fields: ['companyId', 'createdAt', 'id'] }] },
  // Token traffic: none needed, none taken. It handles only its own context's events: a token's events
  // cost it one in-memory type check (live, and in a rebuild of every projection), never a write.
  handles: agentEvents.types,
  critical: false,
  async apply(recorded: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const event = agentEvents.decode(recorded);
    if (!event) return;
    await applyOnce<AgentView>(writer, 'agents', event.data.agentId, recorded, (current) => {
      switch (event.type) {
        case 'AgentRegistered': {
          const { agentId, companyId, name, maxMessages, temperature, registeredAt } = event.data;
          return {
            id: agentId,
            companyId,
            name,
            maxMessages,
            temperature,
            status: 'active',
            createdAt: registeredAt,
            updatedAt: registeredAt,
          };
        }
        case 'AgentSettingsChanged': {
          const { name, maxMessages, temperature, changedAt } = event.data;
          return current && { ...current, name, maxMessages, temperature, updatedAt: changedAt };
        }
        case 'AgentRetired':
          return current && { ...current, status: 'retired', updatedAt: event.data.retiredAt };
      }
    });
  },
};

export const AGENTS = physicalCollection(agentsProjection, 'agents');
