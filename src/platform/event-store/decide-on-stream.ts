import { chainEvents } from './event-chain';
import type { DomainEvent, EventCatalogue } from './event-catalogue';
import type { EventMetadata, EventStore, RecordedEvent } from './event-store';
import type { Position } from './position';

/** A pure aggregate: state folded from its events, and a decision from a command (architecture §3). */
export interface Decider<Command, Event extends DomainEvent, State> {
  /** The context's events: how they are decoded when read, and their schema versions when appended. */
  readonly events: EventCatalogue<Event>;
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

export interface Aggregate<State> {
  readonly state: State;
  /** The revision of the stream's last event; -1 when the stream does not exist. */
  readonly revision: number;
  /** The last event, which the next one's hash chains to. */
  readonly last?: RecordedEvent;
}

/** An aggregate's current state, folded from its stream with the decider's own `evolve`. */
export async function loadAggregate<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
): Promise<Aggregate<State>> {
  const history = await store.readStream(stream);
  return { state: foldEvents(decider, history), revision: history.at(-1)?.revision ?? -1, last: history.at(-1) };
}

/** The state `events` leave an aggregate in; events of other contexts are passed over. */
export function foldEvents<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  events: Iterable<RecordedEvent>,
  from: State = decider.initialState,
): State {
  let state = from;
  for (const recorded of events) {
    const event = decider.events.decode(recorded);
    if (event) state = decider.evolve(state, event);
  }
  return state;
}

/**
 * The command to decide: given, or prepared from the state read (a token minted for the grant it
 * extends, say), so the stream is read once.
 */
export type CommandSource<Command, State> =
  { readonly command: Command } | { readonly prepare: (state: State) => Command | Promise<Command> };

/** How a command is decided on a stream. */
export type StreamDecision<Command, State> = CommandSource<Command, State> & {
  /** The events' envelope; it may depend on the state read (e.g. the aggregate's company). */
  readonly metadata: EventMetadata | ((state: State) => EventMetadata);
  /** From `If-Match`: the revision the caller last saw; anything else is a `StaleRevisionError`. */
  readonly ifRevision?: number;
  /**
   * Checked on the state read, before anything is decided: whether the caller may act on this
   * aggregate at all (its company scope). It throws to refuse; nothing is appended.
   */
  readonly authorize?: (state: State) => void;
};

/**
 * read the stream once → fold → authorize → compare `If-Match` → decide → append at the exact revision read. A concurrent
 * writer makes the append fail with `WrongExpectedRevisionError` instead of silently interleaving
 * (architecture §5).
 */
export async function decideOnStream<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  decision: StreamDecision<Command, State>,
): Promise<CommandOutcome<Event, State>> {
  const current = await loadAggregate(store, stream, decider);
  // Scope first: a caller outside it learns nothing, not even the current revision.
  decision.authorize?.(current.state);
  if (decision.ifRevision !== undefined && decision.ifRevision !== current.revision) {
    throw new StaleRevisionError(stream, decision.ifRevision, current.revision);
  }
  return decideAndAppend(store, stream, decider, decision, current);
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
  decision: CommandSource<Command, State> & Pick<StreamDecision<Command, State>, 'metadata'>,
): Promise<CommandOutcome<Event, State>> {
  return decideAndAppend(store, stream, decider, decision, { state: decider.initialState, revision: -1 });
}

/** decide → append the events, chained to `last`, at `revision` (-1: the stream must not exist yet). */
async function decideAndAppend<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  decision: CommandSource<Command, State> & Pick<StreamDecision<Command, State>, 'metadata'>,
  { state, revision, last }: Aggregate<State>,
): Promise<CommandOutcome<Event, State>> {
  const command = 'prepare' in decision ? await decision.prepare(state) : decision.command;
  const events = decider.decide(command, state);
  if (events.length === 0) return { state, revision, events };
  const envelope = typeof decision.metadata === 'function' ? decision.metadata(state) : decision.metadata;
  const prepared = store.prepareAppend(
    stream,
    events.map(({ type, data }) => ({
      type,
      data,
      metadata: { ...envelope, schemaVersion: decider.events.versionOf(type) },
    })),
  );
  const stored = prepared instanceof Promise ? await prepared : prepared;
  const { position, nextRevision } = await store.append(
    stream,
    chainEvents(stream, last, stored),
    revision === -1 ? 'no_stream' : revision,
  );
  return {
    state: events.reduce((next, event) => decider.evolve(next, event), state),
    revision: nextRevision,
    events,
    position,
  };
}
