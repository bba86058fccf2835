import { Injectable, Logger } from '@nestjs/common';
import { EventMetadata } from '../platform/event-store/event-store';
import { Position } from '../platform/event-store/position';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { ReadModels } from '../platform/read-store/read-models';
import { RevocationReason } from './grant.decider';
import { GrantView, GRANTS, grantsProjection } from './grant.projection';
import { Grants } from './grants';

const PAGE = 500;

/**
 * When a client is disabled or its secret rotated, a user deactivated, or an admin revokes their
 * tokens, the security view stops honouring their tokens at once (the token cutoff). This records
 * it grant by grant as well: a `TokenRevoked` with the reason on every grant still live at the
 * cause's position, so each grant's own stream tells the whole story.
 */
@Injectable()
export class GrantCascade {
  private readonly logger = new Logger('grants');

  constructor(
    private readonly grants: Grants,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /**
   * Never fails the request that caused it: the cause is recorded and already enforced by the token
   * cutoff; a grant left unrecorded here is logged (an admin secret rotation must still return its secret).
   */
  async revokeLive(
    holder: { clientId: string } | { userId: string },
    reason: RevocationReason,
    cause: Position,
    metadata: EventMetadata,
  ): Promise<void> {
    try {
      await this.revokeEach(holder, reason, cause, metadata);
    } catch (error) {
      this.logger.error(`revocation cascade (${reason}) for ${JSON.stringify(holder)} stopped: ${String(error)}`);
    }
  }

  private async revokeEach(
    holder: { clientId: string } | { userId: string },
    reason: RevocationReason,
    cause: Position,
    metadata: EventMetadata,
  ): Promise<number> {
    // Every grant issued before the cause is in the read model once it has passed the cause's position.
    await this.readYourWrites.visible(grantsProjection.name, cause);
    let revoked = 0;
    for (const status of ['active', 'code_issued'] as const) {
      let cursor: string | undefined;
      do {
        const page = await this.readModels.page<GrantView>(GRANTS, { ...holder, status }, { limit: PAGE, cursor });
        const live = page.items.filter((grant) => grant.expiresAt > metadata.at);
        for (const grant of live) await this.grants.revoke(grant.id, reason, metadata, { enforce: false });
        revoked += live.length;
        cursor = page.nextCursor;
      } while (cursor);
    }
    return revoked;
  }
}
