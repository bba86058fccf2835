import type { RecordedEvent } from '../platform/event-store/event-store';
import type { Position } from '../platform/event-store/position';
import { physicalCollection, type Projection, type ProjectionWriter } from '../platform/projections/projection';
import { type AuditItem, toAuditItem } from './audit-events';
import { namedIn } from './audit-filter';

/** A document id that sorts like the position: fixed-width commit and prepare. */
export function positionKey(position: Position): string {
  return `${position.commit.toString().padStart(20, '0')}.${position.prepare.toString().padStart(20, '0')}`;
}

/** One document per event, keyed by position, with each filterable fact as an indexed field. */
export type AuditIndexEntry = {
  readonly id: string;
  readonly stream: string;
  readonly category: string;
  readonly type: string;
  readonly actorId: string | null;
  readonly actorKind: string | null;
  readonly companyId: string | null;
  readonly clientId: string | null;
  readonly userId: string | null;
  readonly time: string;
  readonly item: AuditItem;
};

/** The client or user an event concerns: named in its data, or the aggregate itself (as the scan decides). */
function concerned(event: RecordedEvent, field: 'clientId' | 'userId', category: string): string | null {
  const named = namedIn(event, field);
  if (named !== undefined) return named;
  return event.stream.startsWith(`${category}-`) ? event.stream.slice(category.length + 1) : null;
}

/**
 * The audit trail's index: sparse filters (a company, a client, a user, a type) are answered from
 * here instead of scanning the whole store; `AuditEvents` checks it has caught up before trusting it.
 * Idempotent by construction: an event always writes the same document under the same key.
 */
export const auditIndexProjection: Projection = {
  name: 'audit_index',
  version: 1,
  collections: {
    audit_events: ['type', 'category', 'companyId', 'clientId', 'userId', 'actorId', 'stream'].map((field) => ({
      fields: [field, 'id'],
    })),
  },
  handles: 'all',
  critical: false,
  async apply(event: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const category = event.stream.slice(0, Math.max(event.stream.indexOf('-'), 0));
    const entry: AuditIndexEntry = {
      id: positionKey(event.position),
      stream: event.stream,
      category,
      type: event.type,
      actorId: event.metadata.actor?.id ?? null,
      actorKind: event.metadata.actor?.kind ?? null,
      companyId: event.metadata.companyId ?? null,
      clientId: concerned(event, 'clientId', 'client'),
      userId: concerned(event, 'userId', 'user'),
      time: event.recordedAt,
      item: toAuditItem(event),
    };
    await writer.upsert('audit_events', entry);
  },
};

export const AUDIT_EVENTS = physicalCollection(auditIndexProjection, 'audit_events');
