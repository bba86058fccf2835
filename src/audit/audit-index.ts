import { Injectable } from '@nestjs/common';
import { EventStore, type RecordedEvent } from '../platform/event-store/event-store';
import { parsePosition, type Position, START } from '../platform/event-store/position';
import { ProjectionRunner } from '../platform/projections/projection-runner';
import { encodeCursor } from '../platform/read-store/cursor';
import { ReadStore } from '../platform/read-store/read-store';
import { AuditIndex, AuditItem, DEFAULT_AUDIT_LIMIT, toAuditItem } from './audit-events';
import { AuditEventsQuery } from './audit-filter';
import {
  AUDIT_EVENTS,
  AuditIndexEntry,
  auditIndexProjection,
  INDEXED_FIELDS,
  positionKey,
  positionOfKey,
} from './audit-index.projection';

/** How long a query waits for the index to reach the head before scanning the store instead. */
const CATCH_UP_MS = 1_000;
const PAGE = 500;
/**
 * Reads of a page's events in flight at once: overlapping round trips to a server store (a filtered
 * EventStoreDB read is a subscription of its own) without opening a thousand of them for a page of a
 * thousand scattered events.
 */
const READS_AT_ONCE = 16;

/** Events next to each other in the global order, read back from the store with one read. */
interface Run {
  /** The position of the event just before the first of them (the index holds every event). */
  readonly after: Position;
  readonly entries: AuditIndexEntry[];
}

/**
 * Serves the filters the index has fields for (a category, company, client, user or actor, with any other
 * filter besides): equality lookups in the read store, in position order, resumable by position.
 * Instants (`from`/`to`) are checked on what the lookup returns. The index holds no copy of the
 * events: a page's events are read back from the store by position, in runs (see `eventsOf`).
 */
@Injectable()
export class IndexedAuditEvents extends AuditIndex {
  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly runner: ProjectionRunner,
  ) {
    super();
  }

  async page(
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): Promise<{ items: AuditItem[]; nextCursor?: string } | undefined> {
    const where = this.lookup(filter, companyScope);
    if (!where) return undefined;
    // Trusted only once it holds every event the store held when the question was asked.
    if (
      !(await this.runner.waitForPosition(auditIndexProjection.name, await this.events.headPosition(), CATCH_UP_MS))
    ) {
      return undefined;
    }
    if (where === 'nothing') return { items: [] };
    const limit = filter.limit ?? DEFAULT_AUDIT_LIMIT;
    const from = filter.from === undefined ? undefined : Date.parse(filter.from);
    const to = filter.to === undefined ? undefined : Date.parse(filter.to);
    const found: AuditIndexEntry[] = [];
    let cursor = filter.after ? this.cursorAfter(filter.after) : undefined;
    do {
      const page = await this.reads.find<AuditIndexEntry>(AUDIT_EVENTS, {
        where,
        sortBy: 'id',
        limit: Math.min(PAGE, limit - found.length + (from === undefined && to === undefined ? 0 : PAGE)),
        cursor,
      });
      for (const entry of page.items) {
        const time = Date.parse(entry.time);
        if ((from !== undefined && time < from) || (to !== undefined && time > to)) continue;
        found.push(entry);
        if (found.length === limit) break;
      }
      cursor = found.length === limit ? undefined : page.nextCursor;
    } while (cursor);
    const events = await this.eventsOf(found);
    if (!events) return undefined; // the index and the store disagree: the store is the truth
    const items = events.map(toAuditItem);
    return items.length === limit ? { items, nextCursor: items[items.length - 1].position } : { items };
  }

  /**
   * The events of `entries` (in position order), read from the store: each entry's predecessor in
   * the index is the event just before it in the global order, so "after the predecessor" reads it
   * exactly, on either store, and entries next to each other come back from one read. A run of one
   * type is read through the store's type filter (an index seek on SQLite; on EventStoreDB a filtered
   * read that ends at the run's last event instead of a page of the whole log). Undefined when what
   * comes back is not what the index names (an event the index parked, say).
   */
  private async eventsOf(entries: readonly AuditIndexEntry[]): Promise<RecordedEvent[] | undefined> {
    const previous = await inBatches(entries, (entry) => this.previousKey(entry.id));
    const runs: Run[] = [];
    entries.forEach((entry, index) => {
      if (index > 0 && previous[index] === entries[index - 1].id) runs[runs.length - 1].entries.push(entry);
      else
        runs.push({ after: previous[index] === undefined ? START : positionOfKey(previous[index]), entries: [entry] });
    });
    const read = await inBatches(runs, ({ after, entries: run }) => {
      const types = new Set(run.map((entry) => entry.type));
      const filter = types.size === 1 ? { types: [...types] } : undefined;
      return this.events.readAll({ after, filter, limit: run.length });
    });
    const events = read.flat();
    if (events.length !== entries.length) return undefined;
    return events.every((event, index) => positionKey(event.position) === entries[index].id) ? events : undefined;
  }

  /** The key of the entry just before `key`: the previous event of the whole store. */
  private async previousKey(key: string): Promise<string | undefined> {
    const { items } = await this.reads.find<AuditIndexEntry>(AUDIT_EVENTS, {
      sortBy: 'id',
      direction: 'desc',
      limit: 1,
      cursor: encodeCursor({ value: key, id: key }),
    });
    return items[0]?.id;
  }

  /** The equality lookup for a filter, `nothing` when it cannot match, undefined when the index cannot serve it. */
  private lookup(
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): Record<string, string> | 'nothing' | undefined {
    if ((filter.type?.length ?? 0) > 1) return undefined;
    if (companyScope !== undefined && filter.companyId !== undefined && filter.companyId !== companyScope)
      return 'nothing';
    const where: Record<string, string> = {};
    const set = (field: string, value: string | undefined) => value !== undefined && (where[field] = value);
    set('type', filter.type?.[0]);
    set('category', filter.category);
    set('stream', filter.stream);
    set('companyId', companyScope ?? filter.companyId);
    set('clientId', filter.clientId);
    set('userId', filter.userId);
    set('actorId', filter.actor);
    set('actorKind', filter.actorKind);
    // Only an indexed field makes the lookup selective; without one the store narrows better itself.
    return INDEXED_FIELDS.some((field) => field in where) ? where : undefined;
  }

  /** The read-store cursor that continues after an event position (ids sort like positions). */
  private cursorAfter(after: string): string {
    const key = positionKey(parsePosition(after));
    return encodeCursor({ value: key, id: key });
  }
}

/** `work` on every item, `READS_AT_ONCE` at a time; the results in order. */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += READS_AT_ONCE) {
    results.push(...(await Promise.all(items.slice(start, start + READS_AT_ONCE).map(work))));
  }
  return results;
}
