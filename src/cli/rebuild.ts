import { keepNewFilesPrivate } from '../platform/file-modes';
import { parseArgs } from 'node:util';
import { AppConfig } from '../config/app-config';
import { formatPosition, parsePosition } from '../platform/event-store/position';
import { physicalCollection, projectionKey } from '../platform/projections/projection';
import { CHECKPOINTS } from '../platform/projections/projection-checkpoints';
import { compareReadModels, rebuildProjections } from '../platform/projections/rebuild';
import { PersonalDataEventStore } from '../platform/personal-data/personal-data-event-store';
import { openEventStore, openPersonalDataKeys, openReadStore } from '../platform/storage';
import { userPersonalData } from '../users/user.events';
import { projections } from '../projections';
import { errorMessage } from '../platform/logging/error-message';

const USAGE = `usage: npm run rebuild -- [projection ...] [--compare] [--keep]

Replays every event of each named projection (all when none is named) into fresh collections
beside the live read model, up to the live model's checkpoint, all of them over one read of the
store, using the same store configuration as the service (DATA_DIR, EVENTSTORE_CONNECTION_STRING,
MONGODB_URI). Safe while the service runs: it never writes the live collections.
  --compare  compare the rebuilt documents with the live ones; exit 1 on any difference (exact when
             the service is stopped; while it runs, a write landing mid-comparison shows up too)
  --keep     keep the rebuilt collections (suffix _rebuild) instead of dropping them
projections: ${projections.map((p) => p.name).join(', ')}
`;

async function main(): Promise<number> {
  keepNewFilesPrivate();
  const { values, positionals } = parseArgs({
    options: { compare: { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) return (print(USAGE), 0);
  const unknown = positionals.filter((name) => !projections.some((p) => p.name === name));
  if (unknown.length) return (process.stderr.write(`unknown projection: ${unknown.join(', ')}\n${USAGE}`), 2);
  const selected = positionals.length ? projections.filter((p) => positionals.includes(p.name)) : projections;

  const config = AppConfig.fromEnvironment(process.env);
  // Replayed as the service reads them: an erased user's values are `[erased]` here too.
  const events = new PersonalDataEventStore(openEventStore(config), openPersonalDataKeys(config), userPersonalData);
  const reads = openReadStore(config);
  let differing = 0;
  try {
    // Together, over one read of the store (rebuildProjections); each up to its live checkpoint.
    const targets = [];
    for (const projection of selected) {
      const checkpoint = await reads.get<{ id: string; position: string }>(CHECKPOINTS, projectionKey(projection));
      targets.push({ projection, upTo: checkpoint ? parsePosition(checkpoint.position) : undefined });
    }
    const results = await rebuildProjections(events, reads, targets, { suffix: '_rebuild' });
    for (const [index, result] of results.entries()) {
      const { projection } = result;
      const { upTo } = targets[index];
      // Its own transactions and indexes, and its share of the one read of the store.
      const seconds = result.seconds + result.readSeconds;
      const differences = values.compare
        ? await compareReadModels(reads, projection, '_rebuild', config.grantsPrunedBefore())
        : undefined;
      differing += differences?.length ?? 0;
      print(
        JSON.stringify({
          projection: projectionKey(projection),
          events: result.events,
          upTo: upTo ? formatPosition(upTo) : 'head',
          seconds: Number(seconds.toFixed(3)),
          eventsPerSecond: Math.round(result.events / Math.max(seconds, 1e-6)),
          ...(differences ? { differences: differences.length, firstDifferences: differences.slice(0, 20) } : {}),
        }),
      );
      if (!values.keep) {
        for (const collection of Object.keys(projection.collections)) {
          await reads.dropCollection(physicalCollection(projection, collection, '_rebuild'));
        }
      }
    }
  } finally {
    await Promise.all([events.close(), reads.close()]);
  }
  return differing > 0 ? 1 : 0;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rebuild failed: ${errorMessage(error)}\n`);
    process.exit(2);
  },
);
