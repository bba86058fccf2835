import { Injectable, Optional } from '@nestjs/common';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { comparePositions, formatPosition, parsePosition, Position } from '../platform/event-store/position';
import { eventsOf } from '../platform/event-store/read-pages';
import { AuditEventsQuery, matches } from './audit-filter';

/** One event as a reviewer reads it. */
export interface AuditItem {
  readonly position: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly time: string;
  readonly actor: RecordedEvent['metadata']['actor'];
  readonly correlationId: string;
  /** The caller's own `X-Request-Id`, when it chose one. */
  readonly requestId?: string;
  readonly companyId?: string;
  readonly data: unknown;
  readonly hash?: string;
}

export const DEFAULT_AUDIT_LIMIT = 100;

export function toAuditItem(event: RecordedEvent): AuditItem {
  const { metadata } = event;
  return {
    position: formatPosition(event.position),
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    time: event.recordedAt,
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    ...(metadata.requestId ? { requestId: metadata.requestId } : {}),
    ...(metadata.companyId ? { companyId: metadata.companyId } : {}),
    data: event.data,
    ...(metadata.hash ? { hash: metadata.hash } : {}),
  };
}

/** Answers sparse filters from the audit index; undefined when it cannot (then the store is scanned). */
export abstract class AuditIndex {
  abstract page(
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): Promise<{ items: AuditItem[]; nextCursor?: string } | undefined>;
}

/**
 * Reads the audit trail in global order: from the audit index when the filter is selective and
 * the index has caught up, otherwise from the event store itself (the source of truth), which
 * narrows by type and stream prefix while every other filter is checked here, page by page, so
 * memory stays bounded whatever the store holds. Both paths give the same answers (a property test
 * checks it on randomized histories).
 */
@Injectable()
export class AuditEvents {
  constructor(
    private readonly events: EventStore,
    @Optional() private readonly index?: AuditIndex,
  ) {}

  /** Matching events after `filter.after`, up to `limit`; `nextCursor` when more may follow. */
  async page(
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): Promise<{ items: AuditItem[]; nextCursor?: string }> {
    return (await this.index?.page(filter, companyScope)) ?? this.scanPage(filter, companyScope);
  }

  private async scanPage(
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): Promise<{ items: AuditItem[]; nextCursor?: string }> {
    const limit = filter.limit ?? DEFAULT_AUDIT_LIMIT;
    const items: AuditItem[] = [];
    let last: Position | undefined;
    for await (const event of this.scan(filter, companyScope)) {
      items.push(toAuditItem(event));
      last = event.position;
      if (items.length === limit) return { items, nextCursor: formatPosition(last) };
    }
    return { items };
  }

  /** Every matching event, lazily: for export and verification, in constant memory. */
  async *scan(filter: AuditEventsQuery, companyScope: string | undefined): AsyncGenerator<RecordedEvent> {
    const after = filter.after ? parsePosition(filter.after) : undefined;
    if (filter.stream !== undefined) {
      yield* this.scanStream(filter.stream, after, filter, companyScope);
      return;
    }
    const prefix = filter.category ? `${filter.category}-` : undefined;
    const storeFilter = {
      ...(prefix ? { streamPrefixes: [prefix] } : {}),
      ...(filter.type?.length ? { types: filter.type } : {}),
    };
    for await (const event of eventsOf(this.events, { after, filter: storeFilter })) {
      if (matches(event, filter, companyScope)) yield event;
    }
  }

  /**
   * One stream's matching events: read as the stream it is (its own index on either store) instead
   * of narrowing the whole global order by its name; a stream's revisions are in global order. Only
   * what the store's head covers, as a read of the global order would answer (the embedded store
   * withholds events not yet durable from it).
   */
  private async *scanStream(
    stream: string,
    after: Position | undefined,
    filter: AuditEventsQuery,
    companyScope: string | undefined,
  ): AsyncGenerator<RecordedEvent> {
    const head = await this.events.headPosition();
    const types = filter.type?.length ? new Set(filter.type) : undefined;
    for (const event of await this.events.readStream(stream)) {
      if (after !== undefined && !isAfter(event.position, after)) continue;
      if (isAfter(event.position, head)) return;
      if ((!types || types.has(event.type)) && matches(event, filter, companyScope)) yield event;
    }
  }
}

function isAfter(position: Position, other: Position): boolean {
  return comparePositions(position, other) > 0;
}
