import { isDeepStrictEqual } from 'node:util';
import type { EventStore } from '../event-store/event-store';
import { isAtOrAfter, type Position, START } from '../event-store/position';
import type { Document, ReadStore } from '../read-store/read-store';
import { physicalCollection, type Projection } from './projection';
import { projectionWriter } from './projection-writer';

const PAGE = 500;
/**
 * Events read, and applied per projection in one transaction, while rebuilding. Nothing reads the
 * rebuilt collections meanwhile, so a transaction may be large: fewer commits. Measured over a
 * 100,000-event history (every projection, embedded stores), 1,000 to 5,000 are alike within the
 * noise (about 60,000 events per CPU-second) and 20,000 is slower (larger pages of decoded events
 * for the collector); what made the rebuild fast was reading the store once for all projections.
 */
const REBUILD_PAGE = 2_500;

export interface RebuildResult {
  readonly events: number;
  readonly position: Position;
}

/** A projection to rebuild, up to `upTo` when given (its live checkpoint, say), else the head. */
export interface RebuildTarget {
  readonly projection: Projection;
  readonly upTo?: Position;
}

export interface ProjectionRebuild extends RebuildResult {
  readonly projection: Projection;
  /** Time spent on this projection alone: its transactions and its indexes. */
  readonly seconds: number;
  /** Its share of reading the events, shared by the projections rebuilt together (by events applied). */
  readonly readSeconds: number;
}

/**
 * Replays the projection's events from the start into fresh collections beside the live ones
 * (named with `suffix`), up to `upTo` when given, in large transactions. The indexes are built once
 * the documents are in (a bulk load): maintaining every index insert by insert is most of the cost
 * of replaying a large store.
 */
export async function rebuildProjection(
  events: EventStore,
  store: ReadStore,
  projection: Projection,
  options: { suffix: string; upTo?: Position },
): Promise<RebuildResult> {
  const [result] = await rebuildProjections(events, store, [{ projection, upTo: options.upTo }], options);
  return { events: result.events, position: result.position };
}

/**
 * `rebuildProjection` for several projections over one read of the store: each page of events is
 * handed to every projection that takes it, each in a transaction of its own. When one of them takes
 * every event (the audit index), the store is read once instead of once per projection; otherwise the
 * read is narrowed to the types they handle between them, as for one projection.
 */
export async function rebuildProjections(
  events: EventStore,
  store: ReadStore,
  targets: readonly RebuildTarget[],
  options: { suffix: string },
): Promise<ProjectionRebuild[]> {
  const rebuilding = targets.map(({ projection, upTo }) => ({
    projection,
    upTo,
    handles: projection.handles === 'all' ? null : new Set(projection.handles),
    applied: 0,
    position: START,
    done: false,
    milliseconds: 0,
  }));
  for (const { projection } of rebuilding) {
    for (const collection of Object.keys(projection.collections)) {
      await store.dropCollection(physicalCollection(projection, collection, options.suffix));
    }
  }
  const filter = rebuilding.some((target) => target.handles === null)
    ? undefined
    : { types: [...new Set(rebuilding.flatMap((target) => [...target.handles!]))] };
  let after = START;
  let reading = 0;
  while (rebuilding.some((target) => !target.done)) {
    const started = performance.now();
    const all = await events.readAll({ after, filter, limit: REBUILD_PAGE });
    reading += performance.now() - started;
    for (const target of rebuilding.filter((candidate) => !candidate.done)) {
      const started = performance.now();
      const within = target.upTo ? all.filter((event) => isAtOrAfter(target.upTo!, event.position)) : all;
      const page = target.handles ? within.filter((event) => target.handles!.has(event.type)) : within;
      if (page.length > 0) {
        await store.transaction(async (tx) => {
          const writer = projectionWriter(target.projection, tx, options.suffix);
          for (const event of page) await target.projection.apply(event, writer);
        });
        target.applied += page.length;
        target.position = page[page.length - 1].position;
      }
      if (within.length < all.length || all.length < REBUILD_PAGE) target.done = true;
      target.milliseconds += performance.now() - started;
    }
    if (all.length < REBUILD_PAGE) break;
    after = all[all.length - 1].position;
  }
  for (const target of rebuilding) {
    const started = performance.now();
    for (const [collection, indexes] of Object.entries(target.projection.collections)) {
      await store.ensureIndexes(physicalCollection(target.projection, collection, options.suffix), indexes);
    }
    target.milliseconds += performance.now() - started;
  }
  const total = rebuilding.reduce((sum, target) => sum + target.applied, 0);
  return rebuilding.map(({ projection, applied, position, milliseconds }) => ({
    projection,
    events: applied,
    position,
    seconds: milliseconds / 1000,
    readSeconds: total === 0 ? 0 : ((reading / 1000) * applied) / total,
  }));
}

export interface ReadModelDifference {
  readonly collection: string;
  readonly id: string;
  readonly live: Document | null;
  readonly rebuilt: Document | null;
}

/**
 * Every document that differs between the live read model and a rebuilt one, walking both by id.
 * With `prunedBefore`, documents a retention job may already have deleted from the live model are skipped.
 */
export async function compareReadModels(
  store: ReadStore,
  projection: Projection,
  rebuiltSuffix: string,
  prunedBefore?: string,
): Promise<ReadModelDifference[]> {
  const pruned = (document: Document | null) =>
    document !== null && prunedBefore !== undefined && (projection.prunable?.(document, prunedBefore) ?? false);
  const differences: ReadModelDifference[] = [];
  for (const collection of Object.keys(projection.collections)) {
    const live = documents(store, physicalCollection(projection, collection));
    const rebuilt = documents(store, physicalCollection(projection, collection, rebuiltSuffix));
    let a = await live.next();
    let b = await rebuilt.next();
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : a.value.id < b.value.id ? -1 : a.value.id > b.value.id ? 1 : 0;
      const liveDocument = order <= 0 && !a.done ? a.value : null;
      const rebuiltDocument = order >= 0 && !b.done ? b.value : null;
      if (!isDeepStrictEqual(liveDocument, rebuiltDocument) && !pruned(liveDocument ?? rebuiltDocument)) {
        differences.push({
          collection,
          id: (liveDocument ?? rebuiltDocument)!.id,
          live: liveDocument,
          rebuilt: rebuiltDocument,
        });
      }
      if (order <= 0) a = await live.next();
      if (order >= 0) b = await rebuilt.next();
    }
  }
  return differences;
}

async function* documents(store: ReadStore, collection: string): AsyncGenerator<Document> {
  let cursor: string | undefined;
  do {
    const page = await store.find(collection, { limit: PAGE, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
