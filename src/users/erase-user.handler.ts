import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnUser, UserWrite, UserWritten } from './user-write';
import { UserErasure } from './user-erasure';

/**
 * The right to erasure (GDPR Art. 17), by crypto-shredding: `UserTokensRevoked` and `UserErased`
 * are recorded (so the user's tokens end at once and nothing else can be done to the user), then
 * `UserErasure` gives back the seat and the email and deletes the user's key, after which every
 * personal value ever recorded for them reads as `[erased]`. Erasing again records nothing and
 * finishes what a crash may have left undone.
 */
export class EraseUser extends UserWrite<'EraseUser'> {}

@CommandHandler(EraseUser)
export class EraseUserHandler implements ICommandHandler<EraseUser> {
  constructor(
    private readonly events: EventStore,
    private readonly erasure: UserErasure,
  ) {}

  async execute(write: EraseUser): Promise<UserWritten> {
    const now = new Date();
    const { userId, reason } = write.request;
    const { position, state } = await decideOnUser(
      this.events,
      write,
      (_, at) => ({ type: 'EraseUser', userId, reason, now: at }),
      now,
    );
    // The event first, the key last: a crash in between leaves a key the reconciler deletes.
    const companyId = state.status === 'absent' ? undefined : state.companyId;
    await this.erasure.finish(userId, eventMetadata(write.context, now, companyId));
    return { position };
  }
}
