import { ForwardingEventStore } from '../event-store/forwarding-event-store';
import type {
  AppendResult,
  EventStore,
  EventMetadata,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../event-store/event-store';
import { type DataKey, ERASED, isSealed, openValue, sealValue } from './personal-data-cipher';
import type { PersonalDataKeyRing } from './personal-data-key-ring';

/** The store underneath, as the events are stored (sealed): for what checks the hash chain. */
export const STORED_EVENTS = Symbol('STORED_EVENTS');

/** What the contexts declare personal in their events (the users context: `userPersonalData`). */
export interface PersonalDataCatalogue {
  /** By event type: the data fields holding a person's data, sealed under the key of the user `data.userId` names. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
  /** The event type that records an erasure (of `data.userId`): an instance reading it drops the key from memory. */
  readonly erasure: string;
}

const METADATA_FIELDS = ['ip', 'userAgent'] as const;

type Data = Record<string, unknown>;

/**
 * The event store as the service uses it (architecture §4.1): personal values are sealed before
 * they are chained and appended, and read back in clear, or as `[erased]` once their subject's key
 * is gone, by every reader (aggregates, projections, live views, the audit routes and the CLI), with
 * the keys a batch of events needs fetched once for the batch. The hash chain covers what is
 * stored, the ciphertext: verifying it (`AuditVerification`) reads the store underneath, `stored`.
 *
 * Sealed: the data fields `catalogue.fields` names, under the key of the user they describe
 * (`data.userId`), and the request's `ip` and `userAgent` when they are a person's this service can
 * name (`requesterOf`: a user acting, or a public client's request for a user's grant), under that
 * user's key (not recorded at all when that user has no key: erased). Events of the admin key and of authenticated clients (the token path of confidential
 * clients) pass through as they are, without a key lookup or a copy.
 */
export class PersonalDataEventStore extends ForwardingEventStore {
  constructor(
    stored: EventStore,
    private readonly keys: PersonalDataKeyRing,
    private readonly catalogue: PersonalDataCatalogue,
  ) {
    super(stored);
  }

  /** The store underneath, the events as stored (sealed): what the hash chain is checked on. */
  get stored(): EventStore {
    return this.inner;
  }

  override prepareAppend(
    stream: string,
    events: readonly NewEvent[],
  ): readonly NewEvent[] | Promise<readonly NewEvent[]> {
    if (!events.some((event) => this.personalFields(event) || requesterOf(event))) return events;
    return this.seal(stream, events);
  }

  /**
   * Refuses personal values in clear: an append that did not go through `prepareAppend` (a new path
   * that chains events itself) would otherwise store them forever, beyond any erasure. The check is a
   * lookup by type and the actor's kind, so the token path pays nothing for it.
   */
  override append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const unsealed = events.find((event) => this.holdsPersonalDataInClear(event));
    if (unsealed) {
      return Promise.reject(new Error(`${unsealed.type} on ${stream}: personal data reached the store unsealed`));
    }
    return this.inner.append(stream, events, expected);
  }

  override async readStream(stream: string): Promise<RecordedEvent[]> {
    return this.reveal(await this.inner.readStream(stream));
  }

  override async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.reveal(await this.inner.readAll(options));
  }

  override subscribe(options: SubscribeOptions): Subscription {
    return revealing(this.inner.subscribe(options), (batch) => this.reveal(batch));
  }

  override async close(): Promise<void> {
    await Promise.all([this.inner.close(), this.keys.close()]);
  }

  private personalFields({ type, data }: Pick<NewEvent, 'type' | 'data'>): readonly string[] | undefined {
    const fields = this.catalogue.fields[type];
    return fields && typeof (data as Data).userId === 'string' ? fields : undefined;
  }

  private holdsPersonalDataInClear(event: NewEvent): boolean {
    const fields = this.personalFields(event);
    return (
      Boolean(fields?.some((field) => typeof (event.data as Data)[field] === 'string')) ||
      requesterOf(event) !== undefined
    );
  }

  private async seal(stream: string, events: readonly NewEvent[]): Promise<NewEvent[]> {
    const sealed: NewEvent[] = [];
    for (const event of events) {
      const fields = this.personalFields(event);
      let { data, metadata } = event;
      if (fields) {
        const subject = subjectOf(event);
        const key = await this.keys.keyFor(subject);
        const sealedData: Data = { ...(data as Data) };
        for (const field of fields) {
          const value = sealedData[field];
          if (typeof value === 'string')
            sealedData[field] = sealValue(key, { stream, field: `data.${field}`, subject }, value);
        }
        data = sealedData;
      }
      const requester = requesterOf(event);
      if (requester) {
        // Never a key created here: a user's key is made with their registration, and one without a
        // key now is erased (or registered before keys existed). Creating one would seal a request
        // made after the erasure (a public client revoking the user's token, RFC 7009) under a fresh
        // key that opens it: such a request's address and agent are not recorded at all.
        const key = (await this.keys.keysOf([requester])).get(requester);
        const { ip, userAgent, ...rest } = metadata;
        const place = (field: string) => ({ stream, field: `metadata.${field}`, subject: requester });
        metadata = key
          ? {
              ...rest,
              sealed: {
                ...(ip === undefined ? {} : { ip: sealValue(key, place('ip'), ip) }),
                ...(userAgent === undefined ? {} : { userAgent: sealValue(key, place('userAgent'), userAgent) }),
              },
            }
          : rest;
      }
      sealed.push({ ...event, data, metadata });
    }
    return sealed;
  }

  /** The events with their personal values opened; the same array when none has any. */
  private async reveal(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const subjects = new Set<string>();
    for (const event of events) {
      if (event.type === this.catalogue.erasure) this.keys.forget(subjectOf(event));
      if (this.personalFields(event)) subjects.add(subjectOf(event));
      const requester = event.metadata.sealed && metadataSubject(event.data, event.metadata);
      if (requester) subjects.add(requester);
    }
    if (subjects.size === 0) return events as RecordedEvent[];
    const keys = await this.keys.keysOf(subjects);
    return events.map((event) => this.open(event, keys));
  }

  /** One event opened; the event itself when it holds nothing sealed (no copy). */
  private open(event: RecordedEvent, keys: Map<string, DataKey>): RecordedEvent {
    const fields = this.personalFields(event);
    const { sealed } = event.metadata;
    if (!fields && !sealed) return event;
    const place = (field: string, subject: string) => ({ stream: event.stream, field, subject });
    let data = event.data;
    if (fields) {
      const subject = subjectOf(event);
      const opened: Data = { ...(data as Data) };
      for (const field of fields) {
        const value = opened[field];
        // Recorded before this version (schema version 1): in clear, and read as it is.
        if (isSealed(value)) opened[field] = openValue(keys.get(subject), place(`data.${field}`, subject), value);
      }
      data = opened;
    }
    if (!sealed) return { ...event, data };
    const { sealed: _sealed, ...metadata } = event.metadata;
    // Whose key sealed them: chosen as `requesterOf` chose it when they were sealed.
    const subject = metadataSubject(event.data, event.metadata);
    const revealed: Partial<Record<(typeof METADATA_FIELDS)[number], string>> = {};
    for (const field of METADATA_FIELDS) {
      const value = sealed[field];
      if (!value) continue;
      revealed[field] = subject ? openValue(keys.get(subject), place(`metadata.${field}`, subject), value) : ERASED;
    }
    return { ...event, data, metadata: { ...metadata, ...revealed } };
  }
}

/** The user an event's personal data fields are about. */
const subjectOf = (event: Pick<NewEvent, 'data'>) => (event.data as Data).userId as string;

/**
 * The person whose data the request's address and agent are, when this service can name them: a
 * user acting, or an anonymous request (a public client, which proves nothing but its id: RFC 6749
 * §2.1) made for a user's grant, which is that user's device. Undefined when the event records no
 * address or agent, or the requester is the admin key or an authenticated client (a server).
 */
function requesterOf({ data, metadata }: Pick<NewEvent, 'data' | 'metadata'>): string | undefined {
  if (metadata.ip === undefined && metadata.userAgent === undefined) return undefined;
  return metadataSubject(data, metadata);
}

function metadataSubject(data: unknown, { actor }: EventMetadata): string | undefined {
  if (actor.kind === 'user') return actor.id;
  const userId = (data as Data).userId;
  return actor.kind === 'anonymous' && typeof userId === 'string' ? userId : undefined;
}

/**
 * The subscription with each batch revealed. `caughtUp` keeps its promise ("true at the latest as
 * the batch holding the last event is handed over"): while a batch is being revealed it answers what
 * it answered before that batch arrived.
 */
function revealing(
  inner: Subscription,
  reveal: (batch: readonly RecordedEvent[]) => Promise<RecordedEvent[]>,
): Subscription {
  let revealingBatch = false;
  let before = inner.caughtUp;
  return {
    get caughtUp() {
      return revealingBatch ? before : inner.caughtUp;
    },
    close: () => inner.close(),
    async *[Symbol.asyncIterator]() {
      const batches = inner[Symbol.asyncIterator]();
      try {
        for (;;) {
          before = inner.caughtUp;
          const next = await batches.next();
          if (next.done) return;
          revealingBatch = true;
          let batch: RecordedEvent[];
          try {
            batch = await reveal(next.value);
          } finally {
            revealingBatch = false;
          }
          yield batch;
        }
      } finally {
        await batches.return?.();
      }
    },
  };
}
