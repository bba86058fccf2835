import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../platform/event-store/event-store';
import { UserWrite, UserWritten, writeUser } from './user-write';

/** A new first and/or last name, and/or role. */
export class ChangeUser extends UserWrite<'ChangeUser'> {}

@CommandHandler(ChangeUser)
export class ChangeUserHandler implements ICommandHandler<ChangeUser> {
  constructor(private readonly events: EventStore) {}

  execute(write: ChangeUser): Promise<UserWritten> {
    return writeUser(this.events, write, (_, now) => ({
      type: 'ChangeUser',
      ...write.request,
      now,
    }));
  }
}

/** The user's overrides of its agents' chat settings: a value sets one, `null` clears it. */
export class ChangeUserChatSettings extends UserWrite<'ChangeChatSettings'> {}

@CommandHandler(ChangeUserChatSettings)
export class ChangeUserChatSettingsHandler implements ICommandHandler<ChangeUserChatSettings> {
  constructor(private readonly events: EventStore) {}

  execute(write: ChangeUserChatSettings): Promise<UserWritten> {
    return writeUser(this.events, write, (_, now) => ({
      type: 'ChangeChatSettings',
      ...write.request,
      now,
    }));
  }
}
