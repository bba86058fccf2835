import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertPlatformAdmin } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { startStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { companyDecider, companyStream } from './company.decider';

export interface RegisteredCompany {
  readonly companyId: string;
  readonly position: Position;
}

export class RegisterCompany extends Command<RegisteredCompany> {
  constructor(
    readonly name: string,
    readonly userLicenses: number | null,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** A new tenant: the platform administrator's alone. */
@CommandHandler(RegisterCompany)
export class RegisterCompanyHandler implements ICommandHandler<RegisterCompany> {
  constructor(private readonly events: EventStore) {}

  async execute({ name, userLicenses, context }: RegisterCompany): Promise<RegisteredCompany> {
    assertPlatformAdmin(context);
    const companyId = randomUUID();
    const now = new Date();
    const { position } = await startStream(this.events, companyStream(companyId), companyDecider, {
      command: { type: 'RegisterCompany', companyId, name, userLicenses, now: now.toISOString() },
      metadata: eventMetadata(context, now, companyId),
    });
    return { companyId, position: position! };
  }
}
