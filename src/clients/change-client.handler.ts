import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { GrantCascade } from '../grants/grant-cascade';
import { RevocationReason } from '../grants/grant.decider';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { handleCommand } from '../platform/event-store/handle-command';
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

/** Changes that end the client's tokens, and the reason each grant records (see GrantCascade). */
const CUTOFFS: Partial<Record<ClientChange['type'], RevocationReason>> = {
  DisableClient: 'client_disabled',
  RotateClientSecret: 'admin',
  RevokeClientTokens: 'admin',
};

@CommandHandler(ChangeClient)
export class ChangeClientHandler implements ICommandHandler<ChangeClient, ClientChanged> {
  constructor(
    private readonly events: EventStore,
    private readonly cascade: GrantCascade,
  ) {}

  async execute({ clientId, change, context, ifRevision }: ChangeClient): Promise<ClientChanged> {
    const now = new Date();
    const clientSecret = change.type === 'RotateClientSecret' ? generateSecret() : undefined;
    const command: ClientCommand =
      change.type === 'RotateClientSecret'
        ? { type: change.type, clientId, secretHash: hashSecret(clientSecret!), now: now.toISOString() }
        : { ...change, clientId, now: now.toISOString() };
    let metadata: EventMetadata | undefined;
    const { position } = await handleCommand(
      this.events,
      clientStream(clientId),
      clientDecider,
      command,
      (state) => {
        metadata = eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId);
        return metadata;
      },
      ifRevision,
    );
    const reason = CUTOFFS[change.type];
    if (reason && position && metadata) await this.cascade.revokeLive({ clientId }, reason, position, metadata);
    return { position, ...(clientSecret ? { clientSecret } : {}) };
  }
}
