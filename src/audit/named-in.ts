import type { RecordedEvent } from '../platform/event-store/event-store';

/**
 * The client or user an event's data names, whatever its type: the audit trail reads every event,
 * including types no catalogue of this version knows, and its index and its scan must agree on them.
 * A module of its own, without decorators: the index projection runs in the rebuild CLI too, where
 * nothing loads `reflect-metadata` for the query's validation classes.
 */
export function namedIn(event: RecordedEvent, field: 'clientId' | 'userId'): string | undefined {
  const { data } = event;
  const value: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, field) : undefined;
  return typeof value === 'string' ? value : undefined;
}
