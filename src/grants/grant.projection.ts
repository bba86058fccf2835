import type { RecordedEvent } from '../platform/event-store/event-store';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { grantEvents, type GrantType, type RevocationReason, type TokenCutoffs } from './grant.events';

/** One document per grant: who it is for, whether it is live, and until when its tokens could be used. */
export type GrantView = {
  readonly id: string;
  readonly clientId: string;
  readonly companyId: string;
  readonly userId: string | null;
  readonly grantType: GrantType;
  readonly status: 'code_issued' | 'active' | 'revoked';
  readonly issuedAt: string;
  /** When the grant began (its code or first token): the list order. */
  readonly createdAt: string;
  /** The latest expiry of anything the grant holds (code, access token, refresh token). */
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revocationReason: RevocationReason | null;
  /**
   * The client's and user's token cutoffs its latest tokens were issued under (null before any):
   * a cutoff event at a later revision ends it, one at an earlier revision does not (see GrantCascade).
   */
  readonly cutoffs: TokenCutoffs | null;
  readonly revision: number;
};

const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

export const grantsProjection: Projection = {
  name: 'grants',
  version: 2,
  collections: {
    grants: [
      { fields: ['clientId', 'status', 'createdAt', 'id'] },
      { fields: ['userId', 'status', 'createdAt', 'id'] },
    ],
  },
  handles: grantEvents.types,
  // Revocation cascades read it: a grant missing here would keep no audit record of its revocation.
  critical: true,
  // Expired grants may leave the read model (GrantRetention); their events stay.
  prunable: (document, before) => typeof document.expiresAt === 'string' && document.expiresAt < before,
  async apply(recorded: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const event = grantEvents.decode(recorded);
    if (!event) return;
    await applyOnce<GrantView>(writer, 'grants', event.data.grantId, recorded, (current) => {
      switch (event.type) {
        case 'AuthorizationCodeIssued': {
          const { grantId, clientId, companyId, userId, issuedAt, expiresAt } = event.data;
          return {
            ...{ id: grantId, clientId, companyId, userId, issuedAt, expiresAt, createdAt: issuedAt },
            grantType: 'authorization_code',
            status: 'code_issued',
            revokedAt: null,
            revocationReason: null,
            cutoffs: null,
          };
        }
        case 'TokenIssued': {
          const { grantId, clientId, companyId, userId, grantType, issuedAt, expiresAt, refreshExpiresAt, cutoffs } =
            event.data;
          const until = later(expiresAt, refreshExpiresAt);
          if (current)
            return {
              ...current,
              status: current.status === 'revoked' ? 'revoked' : 'active',
              expiresAt: until,
              cutoffs,
            };
          return {
            ...{ id: grantId, clientId, companyId, userId, grantType, issuedAt, createdAt: issuedAt },
            status: 'active',
            expiresAt: until,
            revokedAt: null,
            revocationReason: null,
            cutoffs,
          };
        }
        case 'RefreshTokenRotated':
          return (
            current && {
              ...current,
              expiresAt: later(event.data.expiresAt, event.data.refreshExpiresAt),
              cutoffs: event.data.cutoffs,
            }
          );
        case 'TokenRevoked':
          return (
            current && {
              ...current,
              status: 'revoked',
              revokedAt: event.data.revokedAt,
              revocationReason: event.data.reason,
            }
          );
        case 'AuthorizationCodeRedeemed':
          return current;
      }
    });
  },
};

export const GRANTS = physicalCollection(grantsProjection, 'grants');
