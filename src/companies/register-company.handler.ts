import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
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
    const outcome = await decideOnStream(this.events, companyStream(companyId), companyDecider, { command: { type: 'RegisterCompany', companyId, name, userLicenses, now: now.toISOString() }, metadata: eventMetadata(context, now, companyId) });
    return { companyId, position: outcome.position! };
  }
}
