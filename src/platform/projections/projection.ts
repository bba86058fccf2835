import type { RecordedEvent } from '../event-store/event-store';
import type { Document, IndexSpec } from '../read-store/read-store';

/** What a projection's `apply` may do: writes to its own collections, inside the runner's transaction. */
export interface ProjectionWriter {
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  upsert(collection: string, document: Document): Promise<void>;
  patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean>;
  delete(collection: string, id: string): Promise<boolean>;
}

/**
 * A read model built from events (architecture §6). `apply` must be idempotent: applying an event a
 * second time changes nothing (guard on the stream revision a document records).
 */
export interface Projection {
  readonly name: string;
  /** Bumped when the read model's shape or meaning changes: a new version builds beside the old. */
  readonly version: number;
  /** Logical collection names and the indexes their queries need. */
  readonly collections: Readonly<Record<string, readonly IndexSpec[]>>;
  /** The event types it applies; `'all'` for an index of every event. */
  readonly handles: readonly string[] | 'all';
  /** Security-relevant projections stop on a failing event (readiness turns red) instead of parking it. */
  readonly critical: boolean;
  /**
   * A reactor turns events into commands (a side effect elsewhere, e.g. appends) instead of a read
   * model: the runner applies it outside read-store transactions, one event at a time, recording its
   * checkpoint after each, so it resumes where it stopped and may see an event twice after a crash:
   * its `apply` must be idempotent. It has no collections and is never rebuilt.
   */
  readonly reactor?: boolean;
  apply(event: RecordedEvent, writer: ProjectionWriter): Promise<void>;
  /**
   * For read models with a retention policy: whether a document only describes things over before
   * `before` and may be deleted (never the events). Rebuild comparisons skip such documents.
   */
  readonly prunable?: (document: Document, before: string) => boolean;
}

/** Where a logical collection of a projection version lives; `suffix` keeps rebuilds apart from the live model. */
export function physicalCollection(projection: Projection, collection: string, suffix = ''): string {
  if (!(collection in projection.collections)) {
    throw new RangeError(`projection ${projection.name} has no collection ${collection}`);
  }
  return `${collection}_v${projection.version}${suffix}`;
}

/** The checkpoint/lease key of a projection version. */
export function projectionKey(projection: Projection, suffix = ''): string {
  return `${projection.name}_v${projection.version}${suffix}`;
}

/**
 * The idempotency guard for per-stream documents: applies `change` only when the document has not
 * yet seen this event's revision of its stream, and records the revision.
 */
export async function applyOnce<T extends Document & { revision: number }>(
  writer: ProjectionWriter,
  collection: string,
  id: string,
  event: RecordedEvent,
  change: (current: T | null) => Omit<T, 'revision'> | null,
): Promise<void> {
  const current = await writer.get<T>(collection, id);
  if (current && current.revision >= event.revision) return;
  const next = change(current);
  if (next) await writer.upsert(collection, { ...next, id, revision: event.revision });
}
