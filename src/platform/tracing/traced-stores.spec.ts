import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { tracing as sdk } from '@opentelemetry/sdk-node';
import {
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../event-store/event-store';
import { START } from '../event-store/position';
import type { ReadStore, ReadStoreWriter } from '../read-store/read-store';
import { SqliteReadStore } from '../read-store/sqlite-read-store';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { TracedEventStore } from './traced-event-store';
import { TracedReadStore } from './traced-read-store';

/** What a caller wrote that no span may carry. */
const PERSONAL = 'ada.lovelace@example.com';

const event: NewEvent = {
  type: 'UserRegistered',
  data: { email: PERSONAL, firstName: 'Ada' },
  metadata: {
    actor: { kind: 'admin', id: 'admin' },
    correlationId: 'c',
    causationId: 'c',
    at: '2026-11-30T00:00:00.000Z',
    schemaVersion: 1,
    userAgent: PERSONAL,
  },
};

/** The adapter behind the wrapper: what the wrapper must pass on, and its refusals. */
function storeAnswering(append: () => Promise<AppendResult>, recorded: RecordedEvent[] = []): EventStore {
  return {
    append: jest.fn(append),
    readStream: jest.fn(() => Promise.resolve(recorded)),
  } as unknown as EventStore;
}

describe('traced stores', () => {
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');

  afterEach(() => exporter.reset());

  it('spans an append with its stream, event count, expected revision and store, never the events', async () => {
    const inner = storeAnswering(() => Promise.resolve({ nextRevision: 0, position: START }));
    const store = new TracedEventStore(inner, tracer, 'sqlite');

    await expect(store.append('user-42', [event], 'no_stream')).resolves.toEqual({ nextRevision: 0, position: START });

    expect(inner.append).toHaveBeenCalledWith('user-42', [event], 'no_stream');
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('event-store append');
    expect(span.attributes).toEqual({
      'airisk.store.kind': 'sqlite',
      'airisk.event_store.stream': 'user-42',
      'airisk.event_store.event_count': 1,
      'airisk.event_store.expected_revision': 'no_stream',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names an email reservation stream by its category alone: its id is a hash of the address', async () => {
    const store = new TracedEventStore(
      storeAnswering(() => Promise.resolve({ nextRevision: 0, position: START })),
      tracer,
      'eventstoredb',
    );
    await store.append('useremail-9f86d081884c7d65', [event], 'no_stream');
    expect(exporter.getFinishedSpans()[0].attributes['airisk.event_store.stream']).toBe('useremail-…');
  });

  it('passes a refused append on unchanged, the span marked failed by the error class alone', async () => {
    const refusal = new WrongExpectedRevisionError('user-42', 3, 4);
    const store = new TracedEventStore(
      storeAnswering(() => Promise.reject(refusal)),
      tracer,
      'sqlite',
    );

    await expect(store.append('user-42', [event], 3)).rejects.toBe(refusal);

    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'WrongExpectedRevisionError' });
    expect(span.attributes['error.type']).toBe('WrongExpectedRevisionError');
    expect(span.events).toEqual([]);
    expect(JSON.stringify([span.attributes, span.status])).not.toContain(refusal.message);
    expect(JSON.stringify(span.attributes)).not.toContain(PERSONAL);
  });

  it('spans a stream read with the number of events read', async () => {
    const recorded = [{ ...event, id: 'e', stream: 'user-42', revision: 0, position: START, recordedAt: '' }];
    const store = new TracedEventStore(
      storeAnswering(() => Promise.reject(new Error('unused')), recorded),
      tracer,
      'sqlite',
    );

    await expect(store.readStream('user-42')).resolves.toBe(recorded);

    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('event-store read');
    expect(span.attributes['airisk.event_store.event_count']).toBe(1);
    expect(JSON.stringify(span.attributes)).not.toContain(PERSONAL);
  });

  it('spans a read-store transaction, passing its writes and answer through, and marks a failed one', async () => {
    const writer = { upsert: jest.fn(() => Promise.resolve()) } as unknown as ReadStoreWriter;
    const inner = {
      transaction: jest.fn((work: (tx: ReadStoreWriter) => Promise<unknown>) => work(writer)),
    } as unknown as ReadStore;
    const store = new TracedReadStore(inner, tracer, 'mongodb');

    const answer = await store.transaction(async (tx) => {
      await tx.upsert('users', { id: 'u1', email: PERSONAL });
      return 'applied';
    });
    expect(answer).toBe('applied');
    expect(writer.upsert).toHaveBeenCalledWith('users', { id: 'u1', email: PERSONAL });

    const failure = new TypeError(`cannot apply ${PERSONAL}`);
    await expect(store.transaction(() => Promise.reject(failure))).rejects.toBe(failure);

    const [applied, failed] = exporter.getFinishedSpans();
    expect(applied.name).toBe('read-store transaction');
    expect(applied.attributes).toEqual({ 'airisk.store.kind': 'mongodb', 'airisk.read_store.collections': 'users' });
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' });
    expect(JSON.stringify([failed.attributes, failed.status, failed.events])).not.toContain(PERSONAL);
  });

  it('scrubs the embedded read store it wraps: an erased value leaves the write-ahead log with tracing on too', async () => {
    const directory = temporaryDirectory();
    const store = new TracedReadStore(new SqliteReadStore(join(directory, 'read-models.sqlite')), tracer, 'sqlite');
    const holding = (text: string) =>
      readdirSync(directory).filter((name) => readFileSync(join(directory, name)).toString('latin1').includes(text));
    try {
      await store.upsert('users_v1', { id: 'u1', email: PERSONAL });
      expect(holding(PERSONAL)).not.toEqual([]); // the scan sees what is there
      await store.upsert('users_v1', { id: 'u1', email: '[erased]' });
      await store.scrub();
      expect(holding(PERSONAL)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
