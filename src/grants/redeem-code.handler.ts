import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { startStream } from '../platform/event-store/decide-on-stream';
import { EventMetadata, EventStore, WrongExpectedRevisionError } from '../platform/event-store/event-store';
import { decideOnGrant } from './decide-on-grant';
import { GrantCommand, grantDecider, grantStream } from './grant.decider';

/** What a code's redemption is decided on: the code's binding, what the token request presents, the tokens. */
export type CodeRedemption = Omit<Extract<GrantCommand, { type: 'RedeemCode' }>, 'type'>;

/** RFC 6749 §4.1.3: exchanges an authorization code for tokens, once. */
export class RedeemCode extends Command<void> {
  constructor(
    readonly redemption: CodeRedemption,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}

/**
 * A code's grant starts at its redemption, with "no stream": the first redemption needs no read.
 * When the stream exists, the code was redeemed before: deciding again on what is recorded finds the
 * replay, which revokes the grant (RFC 6749 §4.1.2).
 */
@CommandHandler(RedeemCode)
export class RedeemCodeHandler implements ICommandHandler<RedeemCode> {
  constructor(
    private readonly events: EventStore,
    private readonly commands: CommandBus,
  ) {}

  async execute({ redemption, metadata }: RedeemCode): Promise<void> {
    const grantId = redemption.code.grantId;
    const command: GrantCommand = { type: 'RedeemCode', ...redemption };
    try {
      await startStream(this.events, grantStream(grantId), grantDecider, { command, metadata });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      await decideOnGrant(this.events, this.commands, grantId, { command, metadata });
    }
  }
}
