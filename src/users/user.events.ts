import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';
import type { PersonalDataCatalogue } from '../platform/personal-data/personal-data-event-store';

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
  | DomainEvent<'UserTokensRevoked', { userId: string; revokedAt: string }>
  /**
   * The user's personal data was erased (their key deleted): who and when are in the envelope,
   * `reason` is the administrator's free text, which must name no person.
   */
  | DomainEvent<'UserErased', { userId: string; erasedAt: string; reason: string }>;

/**
 * Version 2 of `UserRegistered` and `UserProfileChanged` stores their personal fields sealed
 * (`userPersonalData`); the store the service reads through opens them, so every reader gets the
 * same shape as version 1's clear values, which are read as they are (no upcast needed).
 */
export const userEvents = eventCatalogue<UserEvent>({
  UserRegistered: { version: 2 },
  UserGrantedAgent: { version: 1 },
  UserAgentRevoked: { version: 1 },
  UserDefaultAgentSet: { version: 1 },
  UserDefaultAgentCleared: { version: 1 },
  UserChatSettingsChanged: { version: 1 },
  UserProfileChanged: { version: 2 },
  UserRoleChanged: { version: 1 },
  UserDeactivated: { version: 1 },
  UserReactivated: { version: 1 },
  UserTokensRevoked: { version: 1 },
  UserErased: { version: 1 },
});

/**
 * The users' personal data in their events (architecture §4.1, README "Personal data and
 * erasure"): sealed under the key of the user `data.userId` names, `[erased]` once it is gone.
 */
export const userPersonalData: PersonalDataCatalogue = {
  fields: {
    UserRegistered: ['email', 'firstName', 'lastName'],
    UserProfileChanged: ['firstName', 'lastName'],
  } satisfies Partial<Record<UserEvent['type'], string[]>>,
  erasure: 'UserErased',
};
