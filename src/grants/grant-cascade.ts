import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventMetadata, RecordedEvent } from '../platform/event-store/event-store';
import { Projection } from '../platform/projections/projection';
import { ProjectionRunner } from '../platform/projections/projection-runner';
import { ReadStore } from '../platform/read-store/read-store';
import { StoreUnavailableError } from '../platform/store-unavailable';
import { RevocationReason } from './grant.events';
import { GrantView, GRANTS, grantsProjection } from './grant.projection';
import { RevokeGrant } from './revoke-grant.handler';

const PAGE = 500;
/** How long one attempt waits for the grants read model to hold every grant issued before the cause. */
const GRANTS_WAIT_MS = 30_000;

/** The events that end a client's or user's tokens, and the reason each grant records. */
const CAUSES: Readonly<Record<string, { holder: 'clientId' | 'userId'; reason: RevocationReason }>> = {
  ClientDisabled: { holder: 'clientId', reason: 'client_disabled' },
  ClientSecretRotated: { holder: 'clientId', reason: 'admin' },
  ClientTokensRevoked: { holder: 'clientId', reason: 'admin' },
  UserDeactivated: { holder: 'userId', reason: 'user_deactivated' },
  UserTokensRevoked: { holder: 'userId', reason: 'admin' },
};

/**
 * When a client is disabled or its secret rotated, a user deactivated, or an admin revokes their
 * tokens, every instance stops honouring their tokens at once (the token cutoff), and the request
 * answers then. This reactor then records it grant by grant, a `TokenRevoked` with the reason on
 * each grant live at the cause, so each grant's own stream tells the whole story: checkpointed on
 * the projection runner (resumed after a crash or a restart, retried, its state on `/health/ready`),
 * never inside the request.
 *
 * Idempotent, as a reactor must be: a grant revoked already records nothing more, and a grant whose
 * tokens were issued under this cause's cutoff or a later one (the client re-enabled, then used) is
 * not the cause's to end, however late the reactor gets to it.
 */
@Injectable()
export class GrantCascade implements Projection, OnModuleInit {
  readonly name = 'grant_cascade';
  readonly version = 1;
  readonly collections = {};
  readonly handles = Object.keys(CAUSES);
  readonly critical = false;
  readonly reactor = true;

  constructor(
    private readonly commands: CommandBus,
    private readonly reads: ReadStore,
    private readonly runner: ProjectionRunner,
  ) {}

  onModuleInit(): void {
    this.runner.register(this);
  }

  async apply(cause: RecordedEvent): Promise<void> {
    const { holder, reason } = CAUSES[cause.type];
    const holderId = (cause.data as Record<string, string>)[holder];
    // Every grant issued before the cause is in the read model once it has passed the cause.
    if (!(await this.runner.waitForPosition(grantsProjection.name, cause.position, GRANTS_WAIT_MS))) {
      throw new StoreUnavailableError('readStore', `the grants read model has not reached ${cause.type} yet`);
    }
    const metadata = consequenceOf(cause);
    // Newest expiry first: the holder's grants still live at the cause come first, and the first
    // one expired by then ends the walk (the grants the holder ever had need not be read).
    let cursor: string | undefined;
    do {
      const page = await this.reads.find<GrantView>(GRANTS, {
        where: { [holder]: holderId },
        sortBy: 'expiresAt',
        direction: 'desc',
        limit: PAGE,
        cursor,
      });
      for (const grant of page.items) {
        if (grant.expiresAt <= cause.metadata.at) return;
        if (grant.status === 'revoked' || !endedBy(grant, cause, holder)) continue;
        await this.commands.execute(new RevokeGrant(grant.id, reason, metadata, { enforce: false }));
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
}

/** Issued under an older cutoff of the holder's stream than the cause (its liveness checked by the walk). */
function endedBy(grant: GrantView, cause: RecordedEvent, holder: 'clientId' | 'userId'): boolean {
  if (grant.cutoffs === null) return true; // a code never redeemed (recorded before codes were sealed)
  const issuedUnder = holder === 'clientId' ? grant.cutoffs.client : grant.cutoffs.user;
  return issuedUnder !== null && issuedUnder < cause.revision;
}

/** The revocations are the cause's doing: its actor, request and company, caused by it. */
function consequenceOf(cause: RecordedEvent): EventMetadata {
  const { actor, correlationId, companyId, schemaVersion } = cause.metadata;
  return {
    actor,
    correlationId,
    causationId: cause.id,
    ...(companyId ? { companyId } : {}),
    at: new Date().toISOString(),
    schemaVersion,
  };
}
