import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** The users context's events: what the decider records and what projections and views read. */

export const USER_ROLES = ['company_admin', 'user', 'monitor', 'compliance'] as const;
export type UserRole = (typeof USER_ROLES)[number];

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
