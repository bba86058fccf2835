import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertPlatformAdmin } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { CommandInput } from '../platform/domain/command-input';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { CompanyCommand, companyDecider, companyStream } from './company.decider';

/** A new name and/or licence count, as the admin asks it. */
export type CompanyChange = CommandInput<
  Extract<CompanyCommand, { type: 'ChangeCompany' }>,
  'type' | 'companyId' | 'now'
>;

export interface CompanyChanged {
  /** Absent when nothing changed. */
  readonly position?: Position;
}

export class ChangeCompany extends Command<CompanyChanged> {
  constructor(
    readonly companyId: string,
    readonly change: CompanyChange,
    readonly context: RequestContext,
    /** From `If-Match`: the revision the admin last saw. */
    readonly ifRevision?: number,
  ) {
    super();
  }
}

/** Licences are the platform's to grant: a company administrator reads its company, never changes it. */
@CommandHandler(ChangeCompany)
export class ChangeCompanyHandler implements ICommandHandler<ChangeCompany> {
  constructor(private readonly events: EventStore) {}

  async execute({ companyId, change, context, ifRevision }: ChangeCompany): Promise<CompanyChanged> {
    // Before the stream is read: whoever the company, and whatever revision the caller names.
    assertPlatformAdmin(context);
    const now = new Date();
    const { position } = await decideOnStream(this.events, companyStream(companyId), companyDecider, {
      command: { type: 'ChangeCompany', companyId, ...change, now: now.toISOString() },
      metadata: eventMetadata(context, now, companyId),
      ifRevision,
    });
    return { position };
  }
}
