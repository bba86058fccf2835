import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../platform/event-store/event-store';
import { UserWrite, UserWritten, writeUser } from './user-write';

/** An admin's mass revocation: every token issued for the user so far stops being honoured. */
export class RevokeUserTokens extends UserWrite<'RevokeUserTokens'> {}

@CommandHandler(RevokeUserTokens)
export class RevokeUserTokensHandler implements ICommandHandler<RevokeUserTokens> {
  constructor(private readonly events: EventStore) {}

  execute(write: RevokeUserTokens): Promise<UserWritten> {
    // Enforced by the cutoff it records, at once; recorded on each of the user's live grants by the
    // GrantCascade reactor, after this answers.
    return writeUser(this.events, write, (_, now) => ({
      type: 'RevokeUserTokens',
      ...write.request,
      now,
    }));
  }
}
