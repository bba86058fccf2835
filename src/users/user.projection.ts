import type { Recorded } from '../platform/event-store/event-catalogue';
import type { RecordedEvent } from '../platform/event-store/event-store';
import { ERASED } from '../platform/personal-data/personal-data-cipher';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { type ChatSettings, type UserEvent, userEvents, type UserRole } from './user.events';

export type UserView = {
  /** The AIRisk `userid`. */
  readonly id: string;
  readonly companyId: string;
  readonly email: string;
  /** Lowercased, for the case-insensitive email filter. */
  readonly emailKey: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly role: UserRole;
  readonly status: 'active' | 'deactivated' | 'erased';
  readonly agents: string[];
  readonly defaultAgentId: string | null;
  readonly chatSettings: ChatSettings;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
};

export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  collections: {
    users: [
      { fields: ['companyId', 'createdAt', 'id'] },
      { fields: ['companyId', 'emailKey', 'createdAt', 'id'] },
      { fields: ['createdAt', 'id'] },
    ],
  },
  // Token traffic: none needed, none taken. It handles only its own context's events: a token's events
  // cost it one in-memory type check (live, and in a rebuild of every projection), never a write.
  handles: userEvents.types,
  critical: false,
  async apply(recorded: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const event = userEvents.decode(recorded);
    if (event)
      await applyOnce<UserView>(writer, 'users', event.data.userId, recorded, (current) => next(event, current));
  },
};

/** The user as the event leaves it; null for an event of a user never registered. */
function next(event: Recorded<UserEvent>, current: UserView | null): Omit<UserView, 'revision'> | null {
  if (event.type === 'UserRegistered') {
    const { userId, companyId, email, firstName, lastName, role, registeredAt } = event.data;
    return {
      id: userId,
      companyId,
      email,
      emailKey: email.toLowerCase(),
      firstName,
      lastName,
      role,
      status: 'active',
      agents: [],
      defaultAgentId: null,
      chatSettings: { maxMessages: null, temperature: null },
      createdAt: registeredAt,
      updatedAt: registeredAt,
    };
  }
  if (!current) return null;
  switch (event.type) {
    case 'UserGrantedAgent':
      return { ...current, agents: [...current.agents, event.data.agentId], updatedAt: event.data.grantedAt };
    case 'UserAgentRevoked':
      return {
        ...current,
        agents: current.agents.filter((id) => id !== event.data.agentId),
        updatedAt: event.data.revokedAt,
      };
    case 'UserDefaultAgentSet':
      return { ...current, defaultAgentId: event.data.agentId, updatedAt: event.data.setAt };
    case 'UserDefaultAgentCleared':
      return { ...current, defaultAgentId: null, updatedAt: event.data.clearedAt };
    case 'UserChatSettingsChanged': {
      const { maxMessages, temperature, changedAt } = event.data;
      return { ...current, chatSettings: { maxMessages, temperature }, updatedAt: changedAt };
    }
    case 'UserProfileChanged':
      return {
        ...current,
        firstName: event.data.firstName,
        lastName: event.data.lastName,
        updatedAt: event.data.changedAt,
      };
    case 'UserRoleChanged':
      return { ...current, role: event.data.role, updatedAt: event.data.changedAt };
    case 'UserDeactivated':
      return { ...current, status: 'deactivated', updatedAt: event.data.deactivatedAt };
    case 'UserReactivated':
      return { ...current, status: 'active', updatedAt: event.data.reactivatedAt };
    case 'UserTokensRevoked':
      return current; // nothing shown changes; the revision (the ETag) moves on
    case 'UserErased':
      // The document is replaced whole: no personal value survives in it, whatever the events
      // before said (a rebuild after the erasure reads them as `[erased]` anyway).
      return {
        ...current,
        email: ERASED,
        emailKey: '',
        firstName: ERASED,
        lastName: ERASED,
        status: 'erased',
        updatedAt: event.data.erasedAt,
      };
  }
}

export const USERS = physicalCollection(usersProjection, 'users');
