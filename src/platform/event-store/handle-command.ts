import { EventMetadata, EventStore } from './event-store';
import { Position } from './position';

/** A domain event as deciders see it: the business fact, without the envelope. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** A pure aggregate: state folded from its events, and a decision from a command (DESIGN §3). */
export interface Decider<Command, Event extends DomainEvent, State> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandOutcome<Event, State> {
  /** The aggregate's state after the decision. */
  readonly state: State;
  /** What was appended; empty when the command changed nothing. */
  readonly events: readonly Event[];
  /** Where the last event landed: what read-your-writes waits for. Absent when nothing was appended. */
  readonly position?: Position;
}

/**
 * read stream → fold → decide → append at the exact revision read. A concurrent writer makes the
 * append fail with `WrongExpectedRevisionError` instead of silently interleaving (DESIGN §5).
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: EventMetadata,
): Promise<CommandOutcome<Event, State>> {
  const history = await store.readStream(stream);
  const state = history.reduce((current, event) => decider.evolve(current, event as unknown as Event), decider.initialState);
  const events = decider.decide(command, state);
  if (events.length === 0) return { state, events };
  const expected = history.length === 0 ? 'no_stream' : history[history.length - 1].revision;
  const { position } = await store.append(
    stream,
    events.map((event) => ({ type: event.type, data: event.data, metadata })),
    expected,
  );
  return { state: events.reduce(decider.evolve, state), events, position };
}
