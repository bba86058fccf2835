import {
  type CommandOutcome,
  type Decider,
  decideOnStream,
  loadAggregate,
  StaleRevisionError,
  type StreamDecision,
} from '../event-store/decide-on-stream';
import type { DomainEvent } from '../event-store/event-catalogue';
import type { EventStore } from '../event-store/event-store';

/**
 * `decideOnStream` for a command on one company's aggregate, `authorize` being the caller's scope.
 * `decideOnStream` compares `If-Match` before it authorizes, so a stale `If-Match` on an aggregate the
 * caller may not see would answer 412 and tell it that the id exists: on a stale revision the scope is
 * checked on the current state first, and its 404 wins (nothing was appended either way).
 */
export async function decideWithinScope<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  decision: StreamDecision<Command, State> & { readonly authorize: (state: State) => void },
): Promise<CommandOutcome<Event, State>> {
  try {
    return await decideOnStream(store, stream, decider, decision);
  } catch (error) {
    if (error instanceof StaleRevisionError) decision.authorize((await loadAggregate(store, stream, decider)).state);
    throw error;
  }
}
