import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { companyDecider, companyStream } from '../../companies/company.decider';
import { GENESIS, verifyChain } from './event-chain';
import type { RecordedEvent } from './event-store';
import { decideOnStream } from './decide-on-stream';
import { SqliteEventStore } from './sqlite-event-store';

const metadata = () => ({
  actor: { kind: 'admin' as const, id: 'api-key:0123456789abcdef' },
  correlationId: randomUUID(),
  causationId: randomUUID(),
  at: '2026-11-27T10:00:00.000Z',
  schemaVersion: 1,
});

describe('event chain', () => {
  let store: SqliteEventStore;
  let stream: string;
  let history: RecordedEvent[];

  beforeAll(async () => {
    store = new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`);
    const companyId = randomUUID();
    stream = companyStream(companyId);
    const now = '2026-11-27T10:00:00.000Z';
    await decideOnStream(store, stream, companyDecider, {
      command: { type: 'RegisterCompany', companyId, name: 'A', userLicenses: 5, now },
      metadata: metadata(),
    });
    await decideOnStream(store, stream, companyDecider, {
      command: { type: 'ChangeCompany', companyId, name: 'B', userLicenses: 6, now },
      metadata: metadata(),
    });
    history = await store.readStream(stream);
  });
  afterAll(() => store.close());

  it('chains every appended event to the one before it', () => {
    expect(history).toHaveLength(3);
    for (const event of history) expect(event.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(history.map((event) => event.metadata.hash)).size).toBe(3);
    expect(history[0].metadata.hash).not.toBe(GENESIS);
    expect(verifyChain(history)).toEqual([]);
  });

  it('reports an edited event and nothing before it', () => {
    const edited = history.map((event, i) =>
      i === 1 ? { ...event, data: { ...(event.data as object), name: 'Evil' } } : event,
    );
    expect(verifyChain(edited)).toEqual([expect.objectContaining({ revision: 1, reason: 'hash_mismatch' })]);
  });

  it('reports edited metadata (who did it) too', () => {
    const edited = history.map((event, i) =>
      i === 2 ? { ...event, metadata: { ...event.metadata, actor: { kind: 'system' as const, id: 'nobody' } } } : event,
    );
    expect(verifyChain(edited)).toEqual([expect.objectContaining({ revision: 2, reason: 'hash_mismatch' })]);
  });

  it('reports a removed event and swapped events', () => {
    expect(verifyChain([history[0], history[2]])).toEqual(
      expect.arrayContaining([expect.objectContaining({ revision: 2, reason: 'revision_gap' })]),
    );
    const swapped = [history[0], history[2], history[1]];
    expect(verifyChain(swapped).map((found) => found.reason)).toContain('hash_mismatch');
  });
});
