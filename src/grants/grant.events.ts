import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** The grant's events: what a reviewer reads of every authorization, token and revocation. */
export type GrantType = 'authorization_code' | 'client_credentials' | 'refresh_token';
export type RevocationReason =
  'revoked_by_client' | 'code_reuse' | 'refresh_reuse' | 'client_disabled' | 'user_deactivated' | 'admin';

export interface Subject {
  grantId: string;
  clientId: string;
  companyId: string;
  /** The AIRisk `userid` of a user token; null for a generic (application) token. */
  userId: string | null;
  scope: string;
}

/** The client's and user's token cutoffs the tokens were issued under (see SecurityView). */
export interface TokenCutoffs {
  client: number;
  user: number | null;
}

export interface IssuedTokens {
  jti: string;
  cutoffs: TokenCutoffs;
  issuedAt: string;
  expiresAt: string;
  /** SHA-256 of the refresh token, when one is issued. */
  refreshTokenHash: string | null;
  refreshExpiresAt: string | null;
}

/** Every grant event names its client and user, so a reviewer filtering by either sees the whole grant. */
export type Holder = Pick<Subject, 'grantId' | 'clientId' | 'userId'>;

export type GrantEvent =
  | DomainEvent<
      'AuthorizationCodeIssued',
      Subject & {
        redirectUri: string;
        codeHash: string;
        codeChallenge: string | null;
        issuedAt: string;
        expiresAt: string;
      }
    >
  | DomainEvent<'AuthorizationCodeRedeemed', Holder & { redeemedAt: string }>
  | DomainEvent<'TokenIssued', Subject & IssuedTokens & { grantType: GrantType }>
  | DomainEvent<'RefreshTokenRotated', Holder & { previousRefreshTokenHash: string } & IssuedTokens>
  | DomainEvent<'TokenRevoked', Holder & { reason: RevocationReason; revokedAt: string }>;

export const grantEvents = eventCatalogue<GrantEvent>({
  AuthorizationCodeIssued: { version: 1 },
  AuthorizationCodeRedeemed: { version: 1 },
  TokenIssued: { version: 1 },
  RefreshTokenRotated: { version: 1 },
  TokenRevoked: { version: 1 },
});
