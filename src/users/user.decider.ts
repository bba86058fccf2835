import { assertMaxMessages, assertTemperature } from '../agents/agent.decider';
import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { ERASED } from '../platform/personal-data/personal-data-cipher';
import { type ChatSettings, type UserEvent, userEvents, type UserProfile, type UserRole } from './user.events';

/** The User aggregate: an AIRisk ApplicationUser, identified by its `userid`. */

// Readers of user events (the security view, the audit) import them with the decider.

/** The AIRisk `userid`: opaque, 1–128 characters, URL- and header-safe. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;
export const MAX_NAME_LENGTH = 100;
/** An erasure's reason: free text for the audit trail, bounded. */
export const MAX_ERASURE_REASON_LENGTH = 500;

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
  | { type: 'RevokeUserTokens'; userId: string; now: string }
  | { type: 'EraseUser'; userId: string; reason: string; now: string };

export type UserState =
  | { status: 'absent' }
  | ({
      /** `erased`: the personal data is gone (read as `[erased]`); the user can no longer be changed. */
      status: 'active' | 'deactivated' | 'erased';
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
    case 'UserErased':
      return { ...state, status: 'erased', firstName: ERASED, lastName: ERASED };
  }
}

type Existing = Exclude<UserState, { status: 'absent' }>;
type CommandOf<Type extends UserCommand['type']> = Extract<UserCommand, { type: Type }>;

function decide(command: UserCommand, state: UserState): UserEvent[] {
  if (command.type === 'RegisterUser') return register(command, state);
  if (state.status === 'absent') throw new DomainError('not_found', 'user_not_found', `no user ${command.userId}`);
  const { userId } = state;
  const now = command.now;
  if (state.status === 'erased') {
    if (command.type === 'EraseUser') return []; // erasing twice records it once
    throw new DomainError('conflict', 'user_erased', `user ${userId} is erased: it can no longer be changed`);
  }
  switch (command.type) {
    case 'GrantAgent':
      return grantAgent(command, state);
    case 'RevokeAgent':
      return revokeAgent(command, state);
    case 'SetDefaultAgent':
      return setDefaultAgent(command, state);
    case 'ChangeChatSettings':
      return changeChatSettings(command, state);
    case 'ChangeUser':
      return changeUser(command, state);
    case 'DeactivateUser':
      return state.status === 'deactivated' ? [] : [{ type: 'UserDeactivated', data: { userId, deactivatedAt: now } }];
    case 'ReactivateUser':
      return state.status === 'active' ? [] : [{ type: 'UserReactivated', data: { userId, reactivatedAt: now } }];
    case 'RevokeUserTokens':
      return [{ type: 'UserTokensRevoked', data: { userId, revokedAt: now } }];
    case 'EraseUser':
      return erase(command, state);
  }
}

/** The user's tokens end (the same cutoff as a mass revocation), then the erasure is recorded. */
function erase({ reason, now }: CommandOf<'EraseUser'>, { userId }: Existing): UserEvent[] {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_ERASURE_REASON_LENGTH) {
    throw new DomainError(
      'invalid',
      'invalid_erasure_reason',
      `an erasure's reason has 1 to ${MAX_ERASURE_REASON_LENGTH} characters`,
    );
  }
  return [
    { type: 'UserTokensRevoked', data: { userId, revokedAt: now } },
    { type: 'UserErased', data: { userId, erasedAt: now, reason: trimmed } },
  ];
}

function register(command: CommandOf<'RegisterUser'>, state: UserState): UserEvent[] {
  if (state.status !== 'absent')
    throw new DomainError('conflict', 'user_exists', `user ${command.userId} already exists`);
  if (!USER_ID_PATTERN.test(command.userId))
    throw new DomainError('invalid', 'invalid_user_id', 'a userid has 1 to 128 characters from A-Z a-z 0-9 . _ @ : -');
  const { userId, companyId, email, role, now } = command;
  const profile = validProfile(command);
  return [
    { type: 'UserRegistered', data: { userId, companyId, email: email.trim(), role, ...profile, registeredAt: now } },
  ];
}

function grantAgent({ agentId, agent, now }: CommandOf<'GrantAgent'>, state: Existing): UserEvent[] {
  if (state.agents.includes(agentId)) return []; // granting twice is a no-op, not a second event
  if (!agent || agent.companyId !== state.companyId) {
    throw new DomainError('not_found', 'agent_not_found', `company ${state.companyId} has no agent ${agentId}`);
  }
  if (agent.retired) throw new DomainError('conflict', 'agent_retired', `agent ${agentId} is retired`);
  return [{ type: 'UserGrantedAgent', data: { userId: state.userId, agentId, grantedAt: now } }];
}

function revokeAgent({ agentId, now }: CommandOf<'RevokeAgent'>, state: Existing): UserEvent[] {
  const { userId } = state;
  if (!state.agents.includes(agentId)) {
    throw new DomainError('not_found', 'agent_not_granted', `user ${userId} has no grant for agent ${agentId}`);
  }
  const revoked: UserEvent = { type: 'UserAgentRevoked', data: { userId, agentId, revokedAt: now } };
  // Revoking the default agent clears the default: a user never defaults to an agent it may not use.
  return state.defaultAgentId === agentId
    ? [revoked, { type: 'UserDefaultAgentCleared', data: { userId, clearedAt: now } }]
    : [revoked];
}

function setDefaultAgent({ agentId, now }: CommandOf<'SetDefaultAgent'>, state: Existing): UserEvent[] {
  const { userId } = state;
  if (!state.agents.includes(agentId)) {
    throw new DomainError('conflict', 'agent_not_granted', `agent ${agentId} must be granted to user ${userId} first`);
  }
  return state.defaultAgentId === agentId
    ? []
    : [{ type: 'UserDefaultAgentSet', data: { userId, agentId, setAt: now } }];
}

function changeChatSettings(command: CommandOf<'ChangeChatSettings'>, state: Existing): UserEvent[] {
  const current = state.chatSettings;
  const next: ChatSettings = {
    maxMessages: command.maxMessages === undefined ? current.maxMessages : command.maxMessages,
    temperature: command.temperature === undefined ? current.temperature : command.temperature,
  };
  if (next.maxMessages !== null) assertMaxMessages(next.maxMessages);
  if (next.temperature !== null) assertTemperature(next.temperature);
  const unchanged = next.maxMessages === current.maxMessages && next.temperature === current.temperature;
  return unchanged
    ? []
    : [{ type: 'UserChatSettingsChanged', data: { userId: state.userId, ...next, changedAt: command.now } }];
}

function changeUser(command: CommandOf<'ChangeUser'>, state: Existing): UserEvent[] {
  const { userId } = state;
  const events: UserEvent[] = [];
  const profile = validProfile({
    firstName: command.firstName ?? state.firstName,
    lastName: command.lastName ?? state.lastName,
  });
  if (profile.firstName !== state.firstName || profile.lastName !== state.lastName) {
    events.push({ type: 'UserProfileChanged', data: { userId, ...profile, changedAt: command.now } });
  }
  if (command.role !== undefined && command.role !== state.role) {
    events.push({ type: 'UserRoleChanged', data: { userId, role: command.role, changedAt: command.now } });
  }
  return events;
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
