import type { RecordedEvent } from '../event-store/event-store';

/**
 * An in-memory view every instance keeps for itself (architecture §2, §5): what security checks need on
 * the hot path (client credentials, disabled clients, deactivated users, revoked grants), rebuilt
 * from the event store at start and kept live by one subscription. `apply` is synchronous and
 * idempotent by construction (it sets state from facts, it never counts).
 */
export interface LiveView {
  readonly name: string;
  readonly handles: readonly string[];
  apply(event: RecordedEvent): void;
}

/** DI token for the live views the `LiveViewRunner` feeds. */
export const LIVE_VIEWS = Symbol('LIVE_VIEWS');
