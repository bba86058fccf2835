import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { assertScopesHeld, withinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { CommandInput } from '../platform/domain/command-input';
import { EventStore } from '../platform/event-store/event-store';
import { loadAggregate, startStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { ClientCommand, clientDecider, clientStream } from './client.decider';

export type ClientRegistrationRequest = CommandInput<
  Extract<ClientCommand, { type: 'RegisterClient' }>,
  'type' | 'clientId' | 'secretHash' | 'now'
>;

export interface RegisteredClient {
  readonly clientId: string;
  /** Shown once, in the answer to this request; only its hash is recorded. */
  readonly clientSecret: string | null;
  readonly position: Position;
}

export class RegisterClient extends Command<RegisteredClient> {
  constructor(
    readonly registration: ClientRegistrationRequest,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Registers a client in a company within the caller's scope, with only scopes the caller holds.
 * Generates the client id and (for confidential clients) a 256-bit secret; records only the secret's hash.
 */
@CommandHandler(RegisterClient)
export class RegisterClientHandler implements ICommandHandler<RegisterClient> {
  constructor(private readonly events: EventStore) {}

  async execute({ registration, context }: RegisterClient): Promise<RegisteredClient> {
    const { companyId } = registration;
    const company = await loadAggregate(this.events, companyStream(companyId), companyDecider);
    withinScope(context, 'company', companyId)(company.state);
    assertScopesHeld(context, registration.scopes);
    const clientId = randomUUID();
    const clientSecret = registration.clientType === 'confidential' ? generateSecret() : null;
    const now = new Date();
    const { position } = await startStream(this.events, clientStream(clientId), clientDecider, {
      command: {
        type: 'RegisterClient',
        ...registration,
        clientId,
        secretHash: clientSecret ? hashSecret(clientSecret) : null,
        now: now.toISOString(),
      },
      metadata: eventMetadata(context, now, companyId),
    });
    return { clientId, clientSecret, position: position! };
  }
}
