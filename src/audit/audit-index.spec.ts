import { temporaryDirectory } from '../../test/support/temporary-directory';
import type { EventMetadata } from '../platform/event-store/event-store';
import { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import type { ProjectionRunner } from '../platform/projections/projection-runner';
import { rebuildProjection } from '../platform/projections/rebuild';
import { SqliteReadStore } from '../platform/read-store/sqlite-read-store';
import { AuditEvents } from './audit-events';
import { IndexedAuditEvents } from './audit-index';
import { AUDIT_EVENTS, auditIndexProjection, positionKey } from './audit-index.projection';

const metadata = (client: string): EventMetadata => ({
  actor: { kind: 'client', id: client },
  correlationId: 'c',
  causationId: 'c',
  companyId: 'acme',
  at: new Date().toISOString(),
  schemaVersion: 1,
});

/** A store of grant events of two clients, interleaved, and its audit index built by a replay. */
async function stores() {
  const directory = temporaryDirectory();
  const events = new SqliteEventStore(`${directory}/events.sqlite`);
  const reads = new SqliteReadStore(`${directory}/read.sqlite`);
  for (let index = 0; index < 30; index++) {
    const clientId = index % 3 === 0 ? 'web' : 'batch';
    const types = index % 5 === 0 ? ['TokenIssued', 'TokenRevoked'] : ['TokenIssued'];
    await events.append(
      `grant-${index}`,
      types.map((type) => ({ type, data: { grantId: String(index), clientId }, metadata: metadata(clientId) })),
      'no_stream',
    );
  }
  await rebuildProjection(events, reads, auditIndexProjection, { suffix: '' });
  const caughtUp = { waitForPosition: async () => true } as unknown as ProjectionRunner;
  const index = new IndexedAuditEvents(events, reads, caughtUp);
  return { events, reads, index, close: () => Promise.all([events.close(), reads.close()]) };
}

describe('the audit index', () => {
  it('keeps the filtered facts only, and answers a page with the events read back from the store', async () => {
    const { events, reads, index, close } = await stores();
    const [first] = await events.readAll({ limit: 1 });
    expect(await reads.get(AUDIT_EVENTS, positionKey(first.position))).toEqual({
      id: positionKey(first.position),
      stream: 'grant-0',
      category: 'grant',
      type: 'TokenIssued',
      actorId: 'web',
      actorKind: 'client',
      companyId: 'acme',
      clientId: 'web',
      time: first.recordedAt,
    });
    const scan = new AuditEvents(events);
    for (const filter of [{ clientId: 'web' }, { clientId: 'web', type: ['TokenRevoked'] }, { actor: 'batch' }]) {
      for (const limit of [1, 3, 100]) {
        let after: string | undefined;
        do {
          const query = { ...filter, limit, ...(after ? { after } : {}) };
          const indexed = await index.page(query, undefined);
          expect(indexed).toBeDefined(); // served by the index, not left to the scan
          expect(indexed).toEqual(await scan.page(query, undefined));
          after = indexed!.nextCursor;
        } while (after);
      }
    }
    await close();
  });

  it('leaves a page to the store scan when the index misses an event it should hold', async () => {
    const { events, reads, index, close } = await stores();
    const all = await events.readAll({ limit: 100 });
    // A parked event leaves a gap: the event after it cannot be read back by its predecessor in the index.
    const gap = all.findIndex((event, at) => event.stream === 'grant-2' && all[at + 1].stream === 'grant-3');
    await reads.delete(AUDIT_EVENTS, positionKey(all[gap].position));
    expect(await index.page({ clientId: 'web', after: undefined }, undefined)).toBeUndefined();
    await close();
  });

  it('leaves a type or a stream alone to the store, which narrows by them itself', async () => {
    const { index, close } = await stores();
    for (const filter of [{ type: ['TokenRevoked'] }, { stream: 'grant-3' }]) {
      expect(await index.page(filter, undefined)).toBeUndefined();
    }
    expect(await index.page({ type: ['TokenRevoked'] }, 'acme')).toBeDefined(); // the company scope is indexed
    expect(await index.page({ category: 'grant' }, undefined)).toBeDefined();
    await close();
  });
});
