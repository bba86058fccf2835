import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { DomainError } from '../platform/domain/domain-error';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { userDecider, userStream } from './user.decider';
import { releaseSeat, takeSeat } from './user-seats';

export class ChangeUserActivation {
  constructor(
    readonly userId: string,
    readonly active: boolean,
    readonly context: RequestContext,
  ) {}
}

/**
 * Deactivation records `UserDeactivated`, then gives the licence seat back; reactivation takes a
 * seat first (refused with 409 when the company's licences are all in use), then records
 * `UserReactivated`, giving the seat back if that does not happen.
 */
@CommandHandler(ChangeUserActivation)
export class ChangeUserActivationHandler implements ICommandHandler<ChangeUserActivation, { position?: Position }> {
  constructor(private readonly events: EventStore) {}

  async execute({ userId, active, context }: ChangeUserActivation): Promise<{ position?: Position }> {
    const now = new Date();
    const { state } = await loadAggregate(this.events, userStream(userId), userDecider);
    if (state.status === 'absent') throw new DomainError('not_found', 'user_not_found', `no user ${userId}`);
    if ((state.status === 'active') === active) return {};
    const metadata = eventMetadata(context, now, state.companyId);
    const command = {
      type: active ? ('ReactivateUser' as const) : ('DeactivateUser' as const),
      userId,
      now: metadata.at,
    };
    if (active) await takeSeat(this.events, state.companyId, userId, metadata);
    let recorded = false;
    try {
      const { position, events } = await decideOnStream(this.events, userStream(userId), userDecider, { command: command, metadata: metadata });
      recorded = events.length > 0;
      return { position };
    } finally {
      // A seat follows the recorded fact: given back after a deactivation, or after a reactivation
      // that did not happen (refused, or another request got there first).
      if (active !== recorded) await releaseSeat(this.events, state.companyId, userId, metadata);
    }
  }
}
