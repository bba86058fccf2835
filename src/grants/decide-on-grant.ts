import type { CommandBus } from '@nestjs/cqrs';
import { type CommandOutcome, type CommandSource, decideOnStream } from '../platform/event-store/decide-on-stream';
import type { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';
import { type GrantCommand, grantDecider, type GrantState, grantStream } from './grant.decider';
import type { GrantEvent } from './grant.events';
import { GrantRefusal } from './grant-refusal';
import { RevokeGrant } from './revoke-grant.handler';

/**
 * Decides a grant command on the grant's stream. A conflict (another request wrote the grant first)
 * is decided again on the fresh state (architecture §5), so a second redemption of a code sees it
 * spent; a replay revokes the whole grant before the refusal goes back (RFC 6749 §4.1.2, RFC 9700
 * §4.14.2).
 */
export async function decideOnGrant(
  events: EventStore,
  commands: CommandBus,
  grantId: string,
  decision: CommandSource<GrantCommand, GrantState> & { readonly metadata: EventMetadata },
): Promise<CommandOutcome<GrantEvent, GrantState>> {
  try {
    return await retryOnConflict(() => decideOnStream(events, grantStream(grantId), grantDecider, decision));
  } catch (error) {
    if (error instanceof GrantRefusal && error.revokesGrant) {
      await commands.execute(new RevokeGrant(grantId, error.revokesGrant, decision.metadata));
    }
    throw error;
  }
}
