import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { companyDecider, companyStream } from './company.decider';

export class ChangeCompany {
  constructor(
    readonly companyId: string,
    readonly changes: { name?: string; userLicenses?: number | null },
    readonly context: RequestContext,
    /** From `If-Match`: the revision the admin last saw. */
    readonly ifRevision?: number,
  ) {}
}

/** Renames and/or changes the licence count; `position` is absent when nothing changed. */
@CommandHandler(ChangeCompany)
export class ChangeCompanyHandler implements ICommandHandler<ChangeCompany, { position?: Position }> {
  constructor(private readonly events: EventStore) {}

  async execute({ companyId, changes, context, ifRevision }: ChangeCompany): Promise<{ position?: Position }> {
    const now = new Date();
    const { position } = await decideOnStream(this.events, companyStream(companyId), companyDecider, { command: { type: 'ChangeCompany', companyId, ...changes, now: now.toISOString() }, metadata: eventMetadata(context, now, companyId), ifRevision: ifRevision });
    return { position };
  }
}
