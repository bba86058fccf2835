import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { DomainError } from '../platform/domain/domain-error';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { ClientScope, ClientType, clientDecider, clientStream } from './client.decider';

export class RegisterClient {
  constructor(
    readonly input: {
      companyId: string;
      name: string;
      redirectUris: string[];
      allowUserTokens: boolean;
      scopes: ClientScope[];
      type: ClientType;
      requirePkce: boolean;
    },
    readonly context: RequestContext,
  ) {}
}

export interface RegisteredClient {
  readonly clientId: string;
  /** Shown once, in the answer to this request; only its hash is recorded. */
  readonly clientSecret: string | null;
  readonly position: Position;
}

/** Generates the client id and (for confidential clients) a 256-bit secret; records only the secret's hash. */
@CommandHandler(RegisterClient)
export class RegisterClientHandler implements ICommandHandler<RegisterClient, RegisteredClient> {
  constructor(private readonly events: EventStore) {}

  async execute({ input, context }: RegisterClient): Promise<RegisteredClient> {
    const company = await loadAggregate(this.events, companyStream(input.companyId), companyDecider);
    if (company.state.status === 'absent') {
      throw new DomainError('not_found', 'company_not_found', `no company ${input.companyId}`);
    }
    const clientId = randomUUID();
    const clientSecret = input.type === 'confidential' ? generateSecret() : null;
    const now = new Date();
    const { type, ...registration } = input;
    const { position } = await decideOnStream(this.events, clientStream(clientId), clientDecider, { command: {
        type: 'RegisterClient',
        clientId,
        clientType: type,
        ...registration,
        secretHash: clientSecret ? hashSecret(clientSecret) : null,
        now: now.toISOString(),
      }, metadata: eventMetadata(context, now, input.companyId) });
    return { clientId, clientSecret, position: position! };
  }
}
