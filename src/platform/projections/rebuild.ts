import { isDeepStrictEqual } from 'node:util';
import type { EventStore } from '../event-store/event-store';
import { isAtOrAfter, type Position, START } from '../event-store/position';
import { pagesOf } from '../event-store/read-pages';
import type { Document, ReadStore } from '../read-store/read-store';
import { physicalCollection, type Projection } from './projection';
import { projectionWriter } from './projection-writer';

const PAGE = 500;

export interface RebuildResult {
  readonly events: number;
  readonly position: Position;
}

/**
 * Replays the projection's events from the start into fresh collections beside the live ones
 * (named with `suffix`), up to `upTo` when given, one transaction per page of events. The indexes
 * are built once the documents are in (a bulk load): maintaining every index insert by insert is
 * most of the cost of replaying a large store.
 */
export async function rebuildProjection(
  events: EventStore,
  store: ReadStore,
  projection: Projection,
  options: { suffix: string; upTo?: Position },
): Promise<RebuildResult> {
  for (const collection of Object.keys(projection.collections)) {
    await store.dropCollection(physicalCollection(projection, collection, options.suffix));
  }
  let position = START;
  let applied = 0;
  const filter = projection.handles === 'all' ? undefined : { types: projection.handles };
  for await (const all of pagesOf(events, { filter })) {
    const page = all.filter((event) => !options.upTo || isAtOrAfter(options.upTo, event.position));
    if (page.length === 0) break;
    await store.transaction(async (tx) => {
      const writer = projectionWriter(projection, tx, options.suffix);
      for (const event of page) await projection.apply(event, writer);
    });
    applied += page.length;
    position = page[page.length - 1].position;
    if (page.length < all.length) break;
  }
  for (const [collection, indexes] of Object.entries(projection.collections)) {
    await store.ensureIndexes(physicalCollection(projection, collection, options.suffix), indexes);
  }
  return { events: applied, position };
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
