import { chainEvents } from './event-chain';
import { EventMetadata, EventStore, RecordedEvent } from './event-store';
import { Position } from './position';

/** A domain event as deciders see it: the business fact, without the envelope. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** A pure aggregate: state folded from its events, and a decision from a command (architecture §3). */
export interface Decider<Command, Event extends DomainEvent, State> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandOutcome<Event, State> {
  /** The aggregate's state after the decision. */
  readonly state: State;
  /** The stream's revision after the decision (-1: the stream does not exist): an `ETag`. */
  readonly revision: number;
  /** What was appended; empty when the command changed nothing. */
  readonly events: readonly Event[];
  /** Where the last event landed: what read-your-writes waits for. Absent when nothing was appended. */
  readonly position?: Position;
}

/** The caller acted on a revision (`If-Match`) that is no longer the current one. */
export class StaleRevisionError extends Error {
  override readonly name = 'StaleRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${stream} is at revision ${actual}, not ${expected}`);
  }
}

/** An aggregate's current state, the revision of its last event (-1 when it has none), and that event. */
export async function loadAggregate<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
): Promise<{ state: State; revision: number; last?: RecordedEvent }> {
  const history = await store.readStream(stream);
  const state = history.reduce(
    (current, event) => decider.evolve(current, event as unknown as Event),
    decider.initialState,
  );
  const last = history.at(-1);
  return { state, revision: last ? last.revision : -1, last };
}

/**
 * For a stream named by an id generated for this command (a new grant): decide against the initial
 * state without reading, and append with `no_stream`, so an id that somehow exists is refused
 * (`WrongExpectedRevisionError`), never written into. Saves a read on the token hot path.
 */
export function startStream<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: EventMetadata,
): Promise<CommandOutcome<Event, State>> {
  return decideAndAppend(store, stream, decider, command, { state: decider.initialState, revision: -1 }, metadata);
}

/**
 * read stream → fold → decide → append at the exact revision read. A concurrent writer makes the
 * append fail with `WrongExpectedRevisionError` instead of silently interleaving (architecture §5).
 * `ifRevision` (from `If-Match`) additionally requires the caller to have seen the current state.
 * `metadata` may depend on the state read (e.g. the aggregate's company).
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: EventMetadata | ((state: State) => EventMetadata),
  ifRevision?: number,
): Promise<CommandOutcome<Event, State>> {
  const current = await loadAggregate(store, stream, decider);
  if (ifRevision !== undefined && ifRevision !== current.revision) {
    throw new StaleRevisionError(stream, ifRevision, current.revision);
  }
  return decideAndAppend(store, stream, decider, command, current, metadata);
}

/** decide → append the events, chained to `last`, at `revision` (-1: the stream must not exist yet). */
async function decideAndAppend<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  { state, revision, last }: { state: State; revision: number; last?: RecordedEvent },
  metadata: EventMetadata | ((state: State) => EventMetadata),
): Promise<CommandOutcome<Event, State>> {
  const events = decider.decide(command, state);
  if (events.length === 0) return { state, revision, events };
  const envelope = typeof metadata === 'function' ? metadata(state) : metadata;
  const { position, nextRevision } = await store.append(
    stream,
    chainEvents(
      stream,
      last,
      events.map((event) => ({ type: event.type, data: event.data, metadata: envelope })),
    ),
    revision === -1 ? 'no_stream' : revision,
  );
  return { state: events.reduce(decider.evolve, state), revision: nextRevision, events, position };
}
