import { assertMaxMessages, assertTemperature } from '../agents/agent.decider';
import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** The User aggregate: an AIRisk ApplicationUser, identified by its `userid`. */

export const USER_ROLES = ['company_admin', 'user', 'monitor', 'compliance'] as const;
export type UserRole = (typeof USER_ROLES)[number];
/** The AIRisk `userid`: opaque, 1–128 characters, URL- and header-safe. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;
export const MAX_NAME_LENGTH = 100;

/** User overrides of the agent defaults; null = use the agent's value. */
export interface ChatSettings {
  maxMessages: number | null;
  temperature: number | null;
}

export interface UserProfile {
  firstName: string;
  lastName: string;
}

export type UserEvent =
  | DomainEvent<
      'UserRegistered',
      { userId: string; companyId: string; email: string; role: UserRole; registeredAt: string } & UserProfile
    >
  | DomainEvent<'UserGrantedAgent', { userId: string; agentId: string; grantedAt: string }>
  | DomainEvent<'UserAgentRevoked', { userId: string; agentId: string; revokedAt: string }>
  | DomainEvent<'UserDefaultAgentSet', { userId: string; agentId: string; setAt: string }>
  | DomainEvent<'UserDefaultAgentCleared', { userId: string; clearedAt: string }>
  | DomainEvent<'UserChatSettingsChanged', { userId: string; changedAt: string } & ChatSettings>
  | DomainEvent<'UserProfileChanged', { userId: string; changedAt: string } & UserProfile>
  | DomainEvent<'UserRoleChanged', { userId: string; role: UserRole; changedAt: string }>
  | DomainEvent<'UserDeactivated', { userId: string; deactivatedAt: string }>
  | DomainEvent<'UserReactivated', { userId: string; reactivatedAt: string }>
  /** An admin ended every token issued for the user so far. */
  | DomainEvent<'UserTokensRevoked', { userId: string; revokedAt: string }>;

export const userEvents = eventCatalogue<UserEvent>({
  UserRegistered: { version: 1 },
  UserGrantedAgent: { version: 1 },
  UserAgentRevoked: { version: 1 },
  UserDefaultAgentSet: { version: 1 },
  UserDefaultAgentCleared: { version: 1 },
  UserChatSettingsChanged: { version: 1 },
  UserProfileChanged: { version: 1 },
  UserRoleChanged: { version: 1 },
  UserDeactivated: { version: 1 },
  UserReactivated: { version: 1 },
  UserTokensRevoked: { version: 1 },
});

/** What the handler learned of an agent before granting it (the decider reads no other stream). */
export type AgentFacts = { companyId: string; retired: boolean } | null;

export type UserCommand =
  | ({
      type: 'RegisterUser';
      userId: string;
      companyId: string;
      email: string;
      role: UserRole;
      now: string;
    } & UserProfile)
  | { type: 'GrantAgent'; userId: string; agentId: string; agent: AgentFacts; now: string }
  | { type: 'RevokeAgent'; userId: string; agentId: string; now: string }
  | { type: 'SetDefaultAgent'; userId: string; agentId: string; now: string }
  | ({ type: 'ChangeChatSettings'; userId: string; now: string } & Partial<ChatSettings>)
  | ({ type: 'ChangeUser'; userId: string; role?: UserRole; now: string } & Partial<UserProfile>)
  | { type: 'DeactivateUser'; userId: string; now: string }
  | { type: 'ReactivateUser'; userId: string; now: string }
  | { type: 'RevokeUserTokens'; userId: string; now: string };

export type UserState =
  | { status: 'absent' }
  | ({
      status: 'active' | 'deactivated';
      userId: string;
      companyId: string;
      role: UserRole;
      agents: string[];
      defaultAgentId: string | null;
      chatSettings: ChatSettings;
    } & UserProfile);

export const userStream = (userId: string) => `user-${userId}`;

function evolve(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    const { userId, companyId, role, firstName, lastName } = event.data;
    const chatSettings = { maxMessages: null, temperature: null };
    return {
      status: 'active',
      userId,
      companyId,
      role,
      firstName,
      lastName,
      agents: [],
      defaultAgentId: null,
      chatSettings,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'UserGrantedAgent':
      return { ...state, agents: [...state.agents, event.data.agentId] };
    case 'UserAgentRevoked':
      return { ...state, agents: state.agents.filter((agentId) => agentId !== event.data.agentId) };
    case 'UserDefaultAgentSet':
      return { ...state, defaultAgentId: event.data.agentId };
    case 'UserDefaultAgentCleared':
      return { ...state, defaultAgentId: null };
    case 'UserChatSettingsChanged':
      return { ...state, chatSettings: { maxMessages: event.data.maxMessages, temperature: event.data.temperature } };
    case 'UserProfileChanged':
      return { ...state, firstName: event.data.firstName, lastName: event.data.lastName };
    case 'UserRoleChanged':
      return { ...state, role: event.data.role };
    case 'UserDeactivated':
      return { ...state, status: 'deactivated' };
    case 'UserReactivated':
      return { ...state, status: 'active' };
    case 'UserTokensRevoked':
      return state;
  }
}

function decide(command: UserCommand, state: UserState): UserEvent[] {
  if (command.type === 'RegisterUser') {
    if (state.status !== 'absent')
      throw new DomainError('conflict', 'user_exists', `user ${command.userId} already exists`);
    if (!USER_ID_PATTERN.test(command.userId))
      throw new DomainError(
        'invalid',
        'invalid_user_id',
        'a userid has 1 to 128 characters from A-Z a-z 0-9 . _ @ : -',
      );
    const { userId, companyId, email, role, now } = command;
    const profile = validProfile(command);
    return [
      { type: 'UserRegistered', data: { userId, companyId, email: email.trim(), role, ...profile, registeredAt: now } },
    ];
  }
  if (state.status === 'absent') throw new DomainError('not_found', 'user_not_found', `no user ${command.userId}`);
  const { userId } = state;
  const now = command.now;
  switch (command.type) {
    case 'GrantAgent': {
      if (state.agents.includes(command.agentId)) return []; // granting twice is a no-op, not a second event
      if (!command.agent || command.agent.companyId !== state.companyId) {
        throw new DomainError(
          'not_found',
          'agent_not_found',
          `company ${state.companyId} has no agent ${command.agentId}`,
        );
      }
      if (command.agent.retired)
        throw new DomainError('conflict', 'agent_retired', `agent ${command.agentId} is retired`);
      return [{ type: 'UserGrantedAgent', data: { userId, agentId: command.agentId, grantedAt: now } }];
    }
    case 'RevokeAgent': {
      if (!state.agents.includes(command.agentId)) {
        throw new DomainError(
          'not_found',
          'agent_not_granted',
          `user ${userId} has no grant for agent ${command.agentId}`,
        );
      }
      const revoked: UserEvent = {
        type: 'UserAgentRevoked',
        data: { userId, agentId: command.agentId, revokedAt: now },
      };
      // Revoking the default agent clears the default: a user never defaults to an agent it may not use.
      return state.defaultAgentId === command.agentId
        ? [revoked, { type: 'UserDefaultAgentCleared', data: { userId, clearedAt: now } }]
        : [revoked];
    }
    case 'SetDefaultAgent': {
      if (!state.agents.includes(command.agentId)) {
        throw new DomainError(
          'conflict',
          'agent_not_granted',
          `agent ${command.agentId} must be granted to user ${userId} first`,
        );
      }
      return state.defaultAgentId === command.agentId
        ? []
        : [{ type: 'UserDefaultAgentSet', data: { userId, agentId: command.agentId, setAt: now } }];
    }
    case 'ChangeChatSettings': {
      const next: ChatSettings = {
        maxMessages: command.maxMessages === undefined ? state.chatSettings.maxMessages : command.maxMessages,
        temperature: command.temperature === undefined ? state.chatSettings.temperature : command.temperature,
      };
      if (next.maxMessages !== null) assertMaxMessages(next.maxMessages);
      if (next.temperature !== null) assertTemperature(next.temperature);
      const unchanged =
        next.maxMessages === state.chatSettings.maxMessages && next.temperature === state.chatSettings.temperature;
      return unchanged ? [] : [{ type: 'UserChatSettingsChanged', data: { userId, ...next, changedAt: now } }];
    }
    case 'ChangeUser': {
      const events: UserEvent[] = [];
      const profile = validProfile({
        firstName: command.firstName ?? state.firstName,
        lastName: command.lastName ?? state.lastName,
      });
      if (profile.firstName !== state.firstName || profile.lastName !== state.lastName) {
        events.push({ type: 'UserProfileChanged', data: { userId, ...profile, changedAt: now } });
      }
      if (command.role !== undefined && command.role !== state.role) {
        events.push({ type: 'UserRoleChanged', data: { userId, role: command.role, changedAt: now } });
      }
      return events;
    }
    case 'DeactivateUser':
      return state.status === 'deactivated' ? [] : [{ type: 'UserDeactivated', data: { userId, deactivatedAt: now } }];
    case 'ReactivateUser':
      return state.status === 'active' ? [] : [{ type: 'UserReactivated', data: { userId, reactivatedAt: now } }];
    case 'RevokeUserTokens':
      return [{ type: 'UserTokensRevoked', data: { userId, revokedAt: now } }];
  }
}

function validProfile(profile: UserProfile): UserProfile {
  const firstName = profile.firstName.trim();
  const lastName = profile.lastName.trim();
  for (const name of [firstName, lastName]) {
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new DomainError(
        'invalid',
        'invalid_user_name',
        `first and last names have 1 to ${MAX_NAME_LENGTH} characters`,
      );
    }
  }
  return { firstName, lastName };
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  events: userEvents,
  initialState: { status: 'absent' },
  evolve,
  decide,
};
