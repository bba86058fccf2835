import type { RecordedEvent } from '../platform/event-store/event-store';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { grantEvents, type TokenCutoffs } from './grant.events';

/**
 * One document per grant, holding only what its two readers need: whose it is, whether it is
 * revoked, until when its tokens could be used, and the cutoffs they were issued under. GrantCascade
 * finds a client's or user's grants that are live at a cause (newest expiry first, so it reads only
 * those); GrantRetention deletes the long-expired ones. Everything else a reviewer may ask of a
 * grant (its type, company, when and why it was revoked) is in its events, the audit trail.
 */
export type GrantView = {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string | null;
  /** `revoked` stays on the document (rather than deleting it): the revision guard needs it. */
  readonly status: 'code_issued' | 'active' | 'revoked';
  /** The latest expiry of anything the grant holds (code, access token, refresh token). */
  readonly expiresAt: string;
  /**
   * The client's and user's token cutoffs its latest tokens were issued under (null before any):
   * a cutoff event at a later revision ends it, one at an earlier revision does not (see GrantCascade).
   */
  readonly cutoffs: TokenCutoffs | null;
  readonly revision: number;
};

const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

/**
 * Token traffic: needed, every grant type included. A `client_credentials` issuance (one access
 * token, no refresh token) could be left out for enforcement's sake alone, since the client's
 * cutoff refuses its token the moment the cause lands (token-validity.ts, the security view); but
 * the cascade records a `TokenRevoked` on each grant live at the cause, generic ones included (the
 * revoke-tokens and cascade-crash e2e suites hold it to that), and the cascade finds them here. So
 * the cut is in what each token costs instead: a small document (no type, company, issue or
 * revocation details, which nobody reads here), its indexes ordered by expiry, so the cascade reads
 * only the holder's grants still live (not every grant not yet revoked) and retention only the
 * expired ones (not every grant, every hour, for the month or more each stays), and no write for a
 * redeemed code (the `TokenIssued` appended with it writes the document).
 *
 * Version 3: the slimmer document and the expiry-ordered indexes (v2: status and creation order).
 */
export const grantsProjection: Projection = {
  name: 'grants',
  version: 3,
  collections: {
    grants: [
      { fields: ['clientId', 'expiresAt', 'id'] },
      { fields: ['userId', 'expiresAt', 'id'] },
      // GrantRetention: the expired grants only, instead of every grant every hour.
      { fields: ['expiresAt', 'id'] },
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
          const { grantId, clientId, userId, expiresAt } = event.data;
          return { id: grantId, clientId, userId, status: 'code_issued', expiresAt, cutoffs: null };
        }
        case 'TokenIssued': {
          const { grantId, clientId, userId, expiresAt, refreshExpiresAt, cutoffs } = event.data;
          const until = later(expiresAt, refreshExpiresAt);
          if (current)
            return {
              ...current,
              status: current.status === 'revoked' ? 'revoked' : 'active',
              expiresAt: until,
              cutoffs,
            };
          return { id: grantId, clientId, userId, status: 'active', expiresAt: until, cutoffs };
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
          return current && { ...current, status: 'revoked' };
        case 'AuthorizationCodeRedeemed':
          return null; // nothing the readers use: no write (the TokenIssued appended with it follows)
      }
    });
  },
};

export const GRANTS = physicalCollection(grantsProjection, 'grants');
