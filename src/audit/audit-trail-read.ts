import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { type Decider, decideOnStream } from '../platform/event-store/decide-on-stream';
import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

type AuditTrailRead = DomainEvent<
  'AuditTrailRead',
  { route: string; filters: Record<string, unknown>; items: number | null; readAt: string }
>;

/** Each read is a one-event stream of its own: nothing to decide but the fact. */
const auditReadDecider: Decider<AuditTrailRead['data'], AuditTrailRead, null> = {
  events: eventCatalogue<AuditTrailRead>({ AuditTrailRead: { version: 1 } }),
  initialState: null,
  evolve: (state) => state,
  decide: (read) => [{ type: 'AuditTrailRead', data: read }],
};

/** Reading the audit trail is itself audited: one `AuditTrailRead` per request, with the filters used. */
@Injectable()
export class AuditTrailReads {
  constructor(private readonly events: EventStore) {}

  /** `items`: how many events the answer held; null for a streamed export, counted only as it is read. */
  async record(context: RequestContext, route: string, filters: object, items: number | null): Promise<void> {
    const now = new Date();
    const read = { route, filters: { ...filters }, items, readAt: now.toISOString() };
    await decideOnStream(this.events, `auditread-${randomUUID()}`, auditReadDecider, {
      command: read,
      metadata: eventMetadata(context, now, context.companyScope),
    });
  }
}
