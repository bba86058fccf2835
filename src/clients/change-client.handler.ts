import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { withinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { CommandInput } from '../platform/domain/command-input';
import { EventStore } from '../platform/event-store/event-store';
import { Position } from '../platform/event-store/position';
import { ClientCommand, clientDecider, clientStream } from './client.decider';

/**
 * A change to an existing client as the admin asks it: the decider's command less what the handler
 * adds (the client and the clock). A secret rotation, which answers with the secret, is its own command.
 */
export type ClientChange = CommandInput<
  Exclude<ClientCommand, { type: 'RegisterClient' | 'RotateClientSecret' }>,
  'clientId' | 'now'
>;

export interface ClientChanged {
  /** Absent when the change changed nothing. */
  readonly position?: Position;
}

export class ChangeClient extends Command<ClientChanged> {
  constructor(
    readonly clientId: string,
    readonly change: ClientChange,
    readonly context: RequestContext,
    /** From `If-Match`: the revision the caller last saw. */
    readonly ifRevision?: number,
  ) {
    super();
  }
}

@CommandHandler(ChangeClient)
export class ChangeClientHandler implements ICommandHandler<ChangeClient> {
  constructor(private readonly events: EventStore) {}

  async execute({ clientId, change, context, ifRevision }: ChangeClient): Promise<ClientChanged> {
    const now = new Date();
    // A change that ends the client's tokens is enforced by the cutoff it records, at once, and
    // recorded grant by grant by the GrantCascade reactor, after this answers.
    const { position } = await decideOnStream(this.events, clientStream(clientId), clientDecider, {
      command: { ...change, clientId, now: now.toISOString() },
      authorize: withinScope(context, 'client', clientId),
      metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId),
      ifRevision,
    });
    return { position };
  }
}
