import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AuditEvents, type AuditItem, toAuditItem } from '../../src/audit/audit-events';
import { exportLines } from '../../src/audit/audit-export';
import { chainEvents } from '../../src/platform/event-store/event-chain';
import type { ActorKind, EventMetadata, NewEvent } from '../../src/platform/event-store/event-store';
import { comparePositions, parsePosition, type Position, START } from '../../src/platform/event-store/position';
import { SqliteEventStore } from '../../src/platform/event-store/sqlite-event-store';
import { temporaryDirectory } from '../support/temporary-directory';

const APPENDS = 1_000;
const EVENTS_PER_APPEND = 100;
const TOTAL = APPENDS * EVENTS_PER_APPEND;
/** Appends in flight together: the store's group commit writes each wave in one transaction. */
const WAVE = 50;
const SAMPLE_EVERY = 5_000;
const MB = 1024 * 1024;

/**
 * Heap is measured after a full garbage collection. Without one, heapUsed mostly measures garbage
 * V8 has not collected yet: sampled every 5,000 lines without gc, the streaming peak wandered
 * between +88 and +133 MB over the baseline from run to run, overlapping the +106 to +154 MB seen
 * right after loading everything — no bound could tell the two apart.
 *
 * Measured on this suite's 100,000 events (Node 20, jest, heapUsed after gc, sampled every 5,000
 * lines):
 * - streaming the NDJSON export: peak +1.0 MB over the baseline (a 1,000-event scan page at most);
 * - the same export of events loaded all at once first (`readAll({ limit: 1e6 })`): +111.6 MB,
 *   about 1.1 KB per RecordedEvent (parsed data and metadata, position bigints).
 * The bound, 40 MB, is forty times what streaming needs, and loading everything first exceeds it
 * almost three times over (checked below, as more than twice the bound).
 */
const STREAMING_HEAP_BOUND = 40 * MB;

/**
 * `global.gc` when node runs with --expose-gc; otherwise exposed at run time in a fresh context,
 * as jest's own leak detector does (jest-leak-detector).
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const gc = garbageCollector();
const heapUsed = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

function batch(index: number): { stream: string; events: NewEvent[] } {
  const companyId = `company-${index % 37}`;
  const actors: Array<{ kind: ActorKind; id: string }> = [
    { kind: 'admin', id: 'api-key:root' },
    { kind: 'client', id: randomUUID() },
    { kind: 'user', id: `user-${index}` },
    { kind: 'system', id: 'system' },
  ];
  const category = ['user', 'client', 'company', 'agent'][index % 4];
  const id = `${index}-${randomUUID()}`;
  const stream = `${category}-${id}`;
  const events = Array.from({ length: EVENTS_PER_APPEND }, (_, n): NewEvent => {
    const at = new Date(Date.UTC(2025, 0, 1) + index * 60_000 + n).toISOString();
    const metadata: EventMetadata = {
      actor: actors[n % actors.length],
      correlationId: randomUUID(),
      causationId: randomUUID(),
      ...(n % 10 === 9 ? {} : { companyId }),
      at,
      schemaVersion: 1,
      ip: `10.0.${index % 256}.${n}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    };
    const data =
      n === 0
        ? {
            userId: id,
            companyId,
            email: `person${index}@example.com`,
            role: 'user',
            firstName: 'Ada',
            lastName: 'Lovelace',
            registeredAt: at,
          }
        : { userId: id, agentId: randomUUID(), grantedAt: at, note: `change ${n} of ${stream}` };
    return { type: n === 0 ? 'UserRegistered' : 'UserGrantedAgent', data, metadata };
  });
  return { stream, events: chainEvents(stream, undefined, events) };
}

describe('audit export memory (embedded store, 100,000 events)', () => {
  let store: SqliteEventStore;

  beforeAll(async () => {
    store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`);
    for (let first = 0; first < APPENDS; first += WAVE) {
      await Promise.all(
        Array.from({ length: Math.min(WAVE, APPENDS - first) }, (_, k) => {
          const { stream, events } = batch(first + k);
          return store.append(stream, events, 'no_stream');
        }),
      );
    }
  }, 120_000);

  afterAll(() => store?.close());

  /** Reads an export line by line, checking each line; the heap is sampled every 5,000 lines. */
  async function consume(lines: AsyncIterable<string>): Promise<{ count: number; peakGrowth: number }> {
    const baseline = heapUsed();
    let peak = baseline;
    let count = 0;
    let previous: Position = START;
    for await (const line of lines) {
      if (!line.endsWith('\n')) throw new Error(`line ${count + 1} does not end the line: ${line.slice(-40)}`);
      const item = JSON.parse(line) as AuditItem;
      const position = parsePosition(item.position);
      if (comparePositions(previous, position) >= 0) {
        throw new Error(`position ${item.position} does not follow ${previous.commit}/${previous.prepare}`);
      }
      previous = position;
      count += 1;
      if (count % SAMPLE_EVERY === 0) peak = Math.max(peak, heapUsed());
    }
    return { count, peakGrowth: peak - baseline };
  }

  const exportAll = () => exportLines(new AuditEvents(store).scan({}, undefined), false);

  it('streams the NDJSON export line by line in bounded memory, and it round-trips', async () => {
    // 1. Stream: every line parses, positions strictly increase, the heap stays bounded.
    const streaming = await consume(exportAll());
    expect(streaming.count).toBe(TOTAL);

    // 2. The same measurement of an export that loads everything first exceeds the bound.
    const eager = await consume(
      exportLines(
        (async function* () {
          yield* await store.readAll({ limit: 1e6 });
        })(),
        false,
      ),
    );
    expect(eager.count).toBe(TOTAL);

    console.log(
      `audit export of ${TOTAL} events, heap growth after gc: streaming ${(streaming.peakGrowth / MB).toFixed(1)} MB ` +
        `(bound ${STREAMING_HEAP_BOUND / MB} MB), everything loaded first ${(eager.peakGrowth / MB).toFixed(1)} MB`,
    );
    expect(streaming.peakGrowth).toBeLessThan(STREAMING_HEAP_BOUND);
    expect(eager.peakGrowth).toBeGreaterThan(2 * STREAMING_HEAP_BOUND);

    // 3. Round trip: the concatenated export, parsed back, is the log as audit items.
    let ndjson = '';
    for await (const line of exportAll()) ndjson += line;
    expect(ndjson.endsWith('\n')).toBe(true);
    const parsed = ndjson
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as AuditItem);
    const expected = (await store.readAll({ limit: 1e6 })).map(toAuditItem);
    expect(parsed).toHaveLength(TOTAL);
    expect(expected).toHaveLength(TOTAL);
    const mismatch = parsed.findIndex((item, i) => !isDeepStrictEqual(item, expected[i]));
    if (mismatch !== -1)
      expect({ line: mismatch + 1, item: parsed[mismatch] }).toEqual({ line: mismatch + 1, item: expected[mismatch] });
  }, 120_000);
});
