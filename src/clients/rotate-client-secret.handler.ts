import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { withinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { generateSecret, hashSecret } from '../platform/crypto/secrets';
import { EventStore } from '../platform/event-store/event-store';
import { Position } from '../platform/event-store/position';
import { clientDecider, clientStream } from './client.decider';

export interface RotatedClientSecret {
  readonly position?: Position;
  /** Shown once, in the answer to this request; only its hash is recorded. */
  readonly clientSecret: string;
}

export class RotateClientSecret extends Command<RotatedClientSecret> {
  constructor(
    readonly clientId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** A new 256-bit secret for a confidential client; the old one stops working at once. */
@CommandHandler(RotateClientSecret)
export class RotateClientSecretHandler implements ICommandHandler<RotateClientSecret> {
  constructor(private readonly events: EventStore) {}

  async execute({ clientId, context }: RotateClientSecret): Promise<RotatedClientSecret> {
    const now = new Date();
    const clientSecret = generateSecret();
    const { position } = await decideOnStream(this.events, clientStream(clientId), clientDecider, {
      command: { type: 'RotateClientSecret', clientId, secretHash: hashSecret(clientSecret), now: now.toISOString() },
      authorize: withinScope(context, 'client', clientId),
      metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId),
    });
    return { position, clientSecret };
  }
}
