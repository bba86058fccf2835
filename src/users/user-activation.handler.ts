import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { loadAggregate } from '../platform/event-store/decide-on-stream';
import { userDecider, userStream } from './user.decider';
import { authorizeUser, decideOnUser, UserWrite, UserWritten } from './user-write';
import { releaseSeat, takeSeat } from './user-seats';

/** Deactivation records `UserDeactivated`, then gives the licence seat back. */
export class DeactivateUser extends UserWrite<'DeactivateUser'> {}

@CommandHandler(DeactivateUser)
export class DeactivateUserHandler implements ICommandHandler<DeactivateUser> {
  constructor(private readonly events: EventStore) {}

  async execute(write: DeactivateUser): Promise<UserWritten> {
    const now = new Date();
    const { userId } = write.request;
    const { position, events, state } = await decideOnUser(
      this.events,
      write,
      (_, at) => ({ type: 'DeactivateUser', userId, now: at }),
      now,
    );
    // A seat follows the recorded fact: a user deactivated already has given its seat back.
    if (events.length > 0 && state.status !== 'absent') {
      await releaseSeat(this.events, state.companyId, userId, eventMetadata(write.context, now, state.companyId));
    }
    return { position };
  }
}

/**
 * Reactivation takes a seat first (refused with 409 when the company's licences are all in use),
 * then records `UserReactivated`, giving the seat back if that does not happen.
 */
export class ReactivateUser extends UserWrite<'ReactivateUser'> {}

@CommandHandler(ReactivateUser)
export class ReactivateUserHandler implements ICommandHandler<ReactivateUser> {
  constructor(private readonly events: EventStore) {}

  async execute(write: ReactivateUser): Promise<UserWritten> {
    const now = new Date();
    const { userId } = write.request;
    // Read before the seat is taken: the seat goes to the user's company, and only once the caller
    // is known to act within it.
    const { state } = await loadAggregate(this.events, userStream(userId), userDecider);
    authorizeUser(write.context, userId, state);
    // The user's own answer first (nothing to do when active, refused when erased), so no seat moves for it.
    if (userDecider.decide({ type: 'ReactivateUser', userId, now: now.toISOString() }, state).length === 0) return {};
    const metadata = eventMetadata(write.context, now, state.companyId);
    await takeSeat(this.events, state.companyId, userId, metadata);
    let recorded = false;
    try {
      const { position, events } = await decideOnUser(
        this.events,
        write,
        (_, at) => ({ type: 'ReactivateUser', userId, now: at }),
        now,
      );
      recorded = events.length > 0;
      return { position };
    } finally {
      // Given back after a reactivation that did not happen (refused, or another request got there first).
      if (!recorded) await releaseSeat(this.events, state.companyId, userId, metadata);
    }
  }
}
