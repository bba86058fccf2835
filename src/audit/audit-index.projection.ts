import type { RecordedEvent } from '../platform/event-store/event-store';
import type { Position } from '../platform/event-store/position';
import { physicalCollection, type Projection, type ProjectionWriter } from '../platform/projections/projection';
import { namedIn } from './named-in';

/** A document id that sorts like the position: fixed-width commit and prepare. */
export function positionKey(position: Position): string {
  return `${position.commit.toString().padStart(20, '0')}.${position.prepare.toString().padStart(20, '0')}`;
}

/** The position a `positionKey` was made of. */
export function positionOfKey(key: string): Position {
  const [commit, prepare] = key.split('.');
  return { commit: BigInt(commit), prepare: BigInt(prepare) };
}

/**
 * One document per event, keyed by position: the facts a query filters on, as plain fields, and
 * nothing else. The event itself is read back from the store for the page that names it
 * (`IndexedAuditEvents`): the store already holds it, and a second copy of every event (some
 * 1.2 KB each) is what made this index the costliest write of every token. A field the event does
 * not have (no client, no user, no company) is left out rather than stored as null: an equality
 * filter never looks for null.
 */
export type AuditIndexEntry = {
  readonly id: string;
  readonly stream: string;
  readonly category: string;
  readonly type: string;
  readonly actorId?: string;
  readonly actorKind?: string;
  readonly companyId?: string;
  readonly clientId?: string;
  readonly userId?: string;
  readonly time: string;
};

/** The client or user an event concerns: named in its data, or the aggregate itself (as the scan decides). */
function concerned(event: RecordedEvent, field: 'clientId' | 'userId', category: string): string | null {
  const named = namedIn(event, field);
  if (named !== undefined) return named;
  return event.stream.startsWith(`${category}-`) ? event.stream.slice(category.length + 1) : null;
}

/**
 * The fields the index answers a query by (each with the position as its second key, the order of
 * every answer): what the event store cannot narrow a read by itself, or not cheaply. A type or a
 * stream alone is not looked up here: the store narrows by those itself (a type through SQLite's
 * (type, position) index or EventStoreDB's server-side filter; a stream is read as a stream), so an
 * index of them would be a costlier copy of the store, paid on every event. A category is: the
 * store's stream-prefix read of a large category sorts all of it on SQLite. Combined with one of
 * these fields, a type, stream or actor kind is checked on the entries the lookup finds.
 */
export const INDEXED_FIELDS = ['category', 'companyId', 'clientId', 'userId', 'actorId'] as const;

/**
 * The audit trail's index: sparse filters (a category, company, client, user, actor) are answered from
 * here instead of scanning the whole store; `AuditEvents` checks it has caught up before trusting it.
 * Idempotent by construction: an event always writes the same document under the same key.
 *
 * Token traffic: it takes every event, every `TokenIssued` included, by definition (the audit trail
 * is every event, and a client's or a user's tokens are what reviewers filter for most). What one
 * costs is kept to a small document under five single-expression indexes.
 *
 * Version 2: entries without the copy of the event (`item`), indexed on five fields instead of seven.
 */
export const auditIndexProjection: Projection = {
  name: 'audit_index',
  version: 2,
  collections: {
    audit_events: INDEXED_FIELDS.map((field) => ({ fields: [field, 'id'] })),
  },
  handles: 'all',
  critical: false,
  async apply(event: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    await writer.upsert('audit_events', auditIndexEntry(event));
  },
};

export function auditIndexEntry(event: RecordedEvent): AuditIndexEntry {
  const category = event.stream.slice(0, Math.max(event.stream.indexOf('-'), 0));
  const { actor, companyId } = event.metadata;
  const clientId = concerned(event, 'clientId', 'client');
  const userId = concerned(event, 'userId', 'user');
  return {
    id: positionKey(event.position),
    stream: event.stream,
    category,
    type: event.type,
    ...(actor?.id !== undefined ? { actorId: actor.id } : {}),
    ...(actor?.kind !== undefined ? { actorKind: actor.kind } : {}),
    ...(companyId !== undefined ? { companyId } : {}),
    ...(clientId !== null ? { clientId } : {}),
    ...(userId !== null ? { userId } : {}),
    time: event.recordedAt,
  };
}

export const AUDIT_EVENTS = physicalCollection(auditIndexProjection, 'audit_events');
