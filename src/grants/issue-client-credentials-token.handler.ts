import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { startStream } from '../platform/event-store/decide-on-stream';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { GrantCommand, grantDecider, grantStream } from './grant.decider';

export type ClientCredentialsIssuance = Omit<Extract<GrantCommand, { type: 'IssueClientCredentialsToken' }>, 'type'>;

/** RFC 6749 §4.4: records a client-credentials token as a grant of its own. */
export class IssueClientCredentialsToken extends Command<void> {
  constructor(
    readonly issuance: ClientCredentialsIssuance,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}

/** The grant id was generated for this issuance: its stream is opened without a read. */
@CommandHandler(IssueClientCredentialsToken)
export class IssueClientCredentialsTokenHandler implements ICommandHandler<IssueClientCredentialsToken> {
  constructor(private readonly events: EventStore) {}

  async execute({ issuance, metadata }: IssueClientCredentialsToken): Promise<void> {
    const command: GrantCommand = { type: 'IssueClientCredentialsToken', ...issuance };
    await startStream(this.events, grantStream(issuance.grantId), grantDecider, { command, metadata });
  }
}
