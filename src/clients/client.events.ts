import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** What happens to a client (an AIRisk APIUser): the facts its stream records, and their vocabulary. */

export const CLIENT_SCOPES = ['admin', 'audit:read'] as const;
export type ClientScope = (typeof CLIENT_SCOPES)[number];
export type ClientType = 'confidential' | 'public';

export interface ClientRegistration {
  clientId: string;
  companyId: string;
  name: string;
  type: ClientType;
  redirectUris: string[];
  allowUserTokens: boolean;
  scopes: ClientScope[];
  /** SHA-256 of the secret (never the secret); null for public clients. */
  secretHash: string | null;
  /**
   * Whether the client must use PKCE (RFC 7636) even when confidential; public clients always must.
   * Additive: registrations recorded before it lack it (see `pkceRequired`).
   */
  requirePkce?: boolean;
  registeredAt: string;
}

/** A registration's PKCE rule; absent in registrations older than the field: required of public clients only. */
export function pkceRequired(registration: Pick<ClientRegistration, 'type' | 'requirePkce'>): boolean {
  return registration.requirePkce ?? registration.type === 'public';
}

export type ClientEvent =
  | DomainEvent<'ClientRegistered', ClientRegistration>
  | DomainEvent<'RedirectUriAdded', { clientId: string; uri: string; addedAt: string }>
  | DomainEvent<'RedirectUriRemoved', { clientId: string; uri: string; removedAt: string }>
  | DomainEvent<'ClientSecretRotated', { clientId: string; secretHash: string; rotatedAt: string }>
  | DomainEvent<'ClientDisabled', { clientId: string; disabledAt: string }>
  | DomainEvent<'ClientEnabled', { clientId: string; enabledAt: string }>
  /** An admin ended every token issued to the client so far. */
  | DomainEvent<'ClientTokensRevoked', { clientId: string; revokedAt: string }>
  | DomainEvent<'ClientPkceRequirementChanged', { clientId: string; requirePkce: boolean; changedAt: string }>;

export const clientEvents = eventCatalogue<ClientEvent>({
  ClientRegistered: { version: 1 },
  RedirectUriAdded: { version: 1 },
  RedirectUriRemoved: { version: 1 },
  ClientSecretRotated: { version: 1 },
  ClientDisabled: { version: 1 },
  ClientEnabled: { version: 1 },
  ClientTokensRevoked: { version: 1 },
  ClientPkceRequirementChanged: { version: 1 },
});
