import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { ClientCommand, clientDecider, clientStream } from './client.decider';

/** Every change to an existing client, as the admin asked it (the clock and secrets are added here). */
export type ClientChange =
  | { type: 'AddRedirectUri'; uri: string }
  | { type: 'RemoveRedirectUri'; uri: string }
  | { type: 'RotateClientSecret' }
  | { type: 'DisableClient' }
  | { type: 'EnableClient' }
  | { type: 'RevokeClientTokens' }
  | { type: 'SetPkceRequirement'; requirePkce: boolean };

export class ChangeClient {
  constructor(
    readonly clientId: string,
    readonly change: ClientChange,
    readonly context: RequestContext,
    /** From `If-Match`: the revision the caller last saw. */
    readonly ifRevision?: number,
  ) {}
}

export interface ClientChanged {
  readonly position?: Position;
  /** The new secret, for a rotation only: shown once, recorded as a hash. */
  readonly clientSecret?: string;
}

@CommandHandler(ChangeClient)
export class ChangeClientHandler implements ICommandHandler<ChangeClient, ClientChanged> {
  constructor(private readonly events: EventStore) {}

  async execute({ clientId, change, context, ifRevision }: ChangeClient): Promise<ClientChanged> {
    const now = new Date();
    const clientSecret = change.type === 'RotateClientSecret' ? generateSecret() : undefined;
    const command: ClientCommand =
      change.type === 'RotateClientSecret'
        ? { type: change.type, clientId, secretHash: hashSecret(clientSecret!), now: now.toISOString() }
        : { ...change, clientId, now: now.toISOString() };
    // A change that ends the client's tokens is enforced by the cutoff it records, at once, and
    // recorded grant by grant by the GrantCascade reactor, after this answers.
    const { position } = await decideOnStream(this.events, clientStream(clientId), clientDecider, { command: command, metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId), ifRevision: ifRevision });
    return { position, ...(clientSecret ? { clientSecret } : {}) };
  }
}
