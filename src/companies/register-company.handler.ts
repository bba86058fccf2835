import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { handleCommand } from '../platform/event-store/handle-command';
import { Position } from '../platform/event-store/position';
import { companyDecider, companyStream } from './company.decider';

export class RegisterCompany {
  constructor(
    readonly name: string,
    readonly userLicenses: number | null,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(RegisterCompany)
export class RegisterCompanyHandler implements ICommandHandler<
  RegisterCompany,
  { companyId: string; position: Position }
> {
  constructor(private readonly events: EventStore) {}

  async execute({ name, userLicenses, context }: RegisterCompany): Promise<{ companyId: string; position: Position }> {
    const companyId = randomUUID();
    const now = new Date();
    const outcome = await handleCommand(
      this.events,
      companyStream(companyId),
      companyDecider,
      { type: 'RegisterCompany', companyId, name, userLicenses, now: now.toISOString() },
      eventMetadata(context, now, companyId),
    );
    return { companyId, position: outcome.position! };
  }
}
