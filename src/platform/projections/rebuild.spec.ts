import { temporaryDirectory } from '../../../test/support/temporary-directory';
import type { RecordedEvent } from '../event-store/event-store';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { SqliteReadStore } from '../read-store/sqlite-read-store';
import type { Projection, ProjectionWriter } from './projection';
import { compareReadModels, rebuildProjection, rebuildProjections } from './rebuild';

const metadata = {
  actor: { kind: 'system' as const, id: 'spec' },
  correlationId: 'c',
  causationId: 'c',
  at: 'T',
  schemaVersion: 1,
};

/** A document per event it handles, its position in the document. */
function copying(name: string, handles: Projection['handles']): Projection {
  return {
    name,
    version: 1,
    collections: { [name]: [{ fields: ['type', 'id'] }] },
    handles,
    critical: false,
    async apply(event: RecordedEvent, writer: ProjectionWriter) {
      await writer.upsert(name, { id: `${event.stream}@${event.revision}`, type: event.type });
    },
  };
}

describe('rebuilding several projections over one read of the store', () => {
  it('builds each as rebuilding it alone does, up to its own position, across many pages', async () => {
    const directory = temporaryDirectory();
    const events = new SqliteEventStore(`${directory}/events.sqlite`);
    const reads = new SqliteReadStore(`${directory}/reads.sqlite`);
    for (let append = 0; append < 60; append++) {
      const batch = Array.from({ length: 100 }, (_, index) => ({
        type: index % 10 === 0 ? 'Rare' : 'Common',
        data: {},
        metadata,
      }));
      await events.append(`s-${append}`, batch, 'no_stream');
    }
    const [middle] = await events.readAll({ after: { commit: 3999n, prepare: 3999n }, limit: 1 });
    const every = copying('every', 'all');
    const rare = copying('rare', ['Rare']);
    const upToMiddle = copying('middle', 'all');

    const together = await rebuildProjections(
      events,
      reads,
      [{ projection: every }, { projection: rare }, { projection: upToMiddle, upTo: middle.position }],
      { suffix: '_together' },
    );
    expect(together.map((result) => [result.projection.name, result.events])).toEqual([
      ['every', 6000],
      ['rare', 600],
      ['middle', 4000],
    ]);
    for (const [projection, upTo] of [[every], [rare], [upToMiddle, middle.position]] as const) {
      await rebuildProjection(events, reads, projection, { suffix: '', upTo });
      expect(await compareReadModels(reads, projection, '_together')).toEqual([]);
    }
    await Promise.all([events.close(), reads.close()]);
  });
});
