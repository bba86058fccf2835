import type { RecordedEvent } from './event-store';

/** A domain event as deciders see it: the business fact, without the envelope. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/**
 * A recorded event typed as one of a context's events: narrowing on `type` narrows `data`. Distributes
 * over the union, so `Recorded<ClientEvent>` is a union of recorded `ClientRegistered`, `ClientDisabled`…
 */
export type Recorded<Event extends DomainEvent> = Event extends DomainEvent
  ? Omit<RecordedEvent, 'type' | 'data'> & Event
  : never;

type DataOf<Event extends DomainEvent, Type extends Event['type']> = Extract<Event, { type: Type }>['data'];

/**
 * How one event type is read: its current schema version, and how data recorded under an older one
 * becomes the current shape (architecture §4: additive fields get their default here; a breaking
 * change is a new type instead).
 */
export interface EventTypeSchema<Data> {
  readonly version: number;
  readonly upcast?: (data: unknown, recordedVersion: number) => Data;
}

export type EventSchemas<Event extends DomainEvent> = {
  readonly [Type in Event['type']]: EventTypeSchema<DataOf<Event, Type>>;
};

/**
 * A context's events in one place: the union (as the type parameter), the list of type names (what a
 * projection subscribes to), each type's schema version (recorded in the envelope when appended), and
 * `decode`, the one place a stored event becomes a typed one.
 */
export interface EventCatalogue<Event extends DomainEvent> {
  readonly types: readonly Event['type'][];
  includes(type: string): type is Event['type'];
  versionOf(type: Event['type']): number;
  /** The event in its current shape, or undefined when its type is not one of this catalogue's. */
  decode(recorded: RecordedEvent): Recorded<Event> | undefined;
}

export function eventCatalogue<Event extends DomainEvent>(schemas: EventSchemas<Event>): EventCatalogue<Event> {
  const byType = new Map<string, EventTypeSchema<unknown>>(Object.entries(schemas));
  const includes = (type: string): type is Event['type'] => byType.has(type);
  return {
    types: [...byType.keys()] as Event['type'][],
    includes,
    versionOf: (type) => byType.get(type)!.version,
    decode(recorded) {
      const schema = byType.get(recorded.type);
      if (!schema) return undefined;
      const recordedVersion = recorded.metadata.schemaVersion;
      if (schema.upcast && recordedVersion < schema.version) {
        return { ...recorded, data: schema.upcast(recorded.data, recordedVersion) } as Recorded<Event>;
      }
      // The store holds what this service appended, hash-chained: its type names its data's shape.
      return recorded as Recorded<Event>;
    },
  };
}

/** Several contexts' catalogues as one, for a reader (a projection, a view) that folds events of each. */
export function combinedCatalogue<Event extends DomainEvent>(
  ...catalogues: EventCatalogue<DomainEvent>[]
): EventCatalogue<Event> {
  const owner = new Map<string, EventCatalogue<DomainEvent>>();
  for (const catalogue of catalogues) for (const type of catalogue.types) owner.set(type, catalogue);
  return {
    types: [...owner.keys()] as Event['type'][],
    includes: (type: string): type is Event['type'] => owner.has(type),
    versionOf: (type) => owner.get(type)!.versionOf(type),
    decode: (recorded) => owner.get(recorded.type)?.decode(recorded) as Recorded<Event> | undefined,
  };
}
