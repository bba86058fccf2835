import { Injectable } from '@nestjs/common';
import { EventStore } from '../platform/event-store/event-store';
import { parsePosition } from '../platform/event-store/position';
import { ProjectionRunner } from '../platform/projections/projection-runner';
import { encodeCursor } from '../platform/read-store/cursor';
import { ReadStore } from '../platform/read-store/read-store';
import { AuditIndex, AuditItem, DEFAULT_AUDIT_LIMIT } from './audit-events';
import { AuditEventsQuery } from './audit-filter';
import { AUDIT_EVENTS, AuditIndexEntry, auditIndexProjection, positionKey } from './audit-index.projection';

/** How long a query waits for the index to reach the head before scanning the store instead. */
const CATCH_UP_MS = 1_000;
const PAGE = 500;

/**
 * Serves the filters the index has fields for (one type, category, stream, company, client, user,
 * actor): equality lookups in the read store, in position order, resumable by position. Instants
 * (`from`/`to`) are checked on what the lookup returns.
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
    const items: AuditItem[] = [];
    let cursor = filter.after ? this.cursorAfter(filter.after) : undefined;
    do {
      const page = await this.reads.find<AuditIndexEntry>(AUDIT_EVENTS, { where, sortBy: 'id', limit: PAGE, cursor });
      for (const entry of page.items) {
        const time = Date.parse(entry.time);
        if ((from !== undefined && time < from) || (to !== undefined && time > to)) continue;
        items.push(entry.item);
        if (items.length === limit) return { items, nextCursor: entry.item.position };
      }
      cursor = page.nextCursor;
    } while (cursor);
    return { items };
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
    // Without a selective field the index would just be a slower copy of the store.
    const selective = ['type', 'category', 'stream', 'companyId', 'clientId', 'userId', 'actorId'].some(
      (field) => field in where,
    );
    return selective ? where : undefined;
  }

  /** The read-store cursor that continues after an event position (ids sort like positions). */
  private cursorAfter(after: string): string {
    const key = positionKey(parsePosition(after));
    return encodeCursor({ value: key, id: key });
  }
}
