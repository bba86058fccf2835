import { randomUUID } from 'node:crypto';
import { temporaryDirectory } from '../../../test/support/temporary-directory';
import { type NewEvent, WrongExpectedRevisionError } from './event-store';
import { SqliteEventStore } from './sqlite-event-store';
import { TimedEventStore } from './timed-event-store';

const event: NewEvent = {
  type: 'Happened',
  data: {},
  metadata: {
    actor: { kind: 'system', id: 'spec' },
    correlationId: randomUUID(),
    causationId: randomUUID(),
    at: '',
    schemaVersion: 1,
  },
};

describe('TimedEventStore', () => {
  it('times every append, refused ones too, and is otherwise the store it wraps', async () => {
    const durations: number[] = [];
    const store = new TimedEventStore(new SqliteEventStore(`${temporaryDirectory()}/events.sqlite`), (seconds) =>
      durations.push(seconds),
    );
    try {
      const { position } = await store.append('s-1', [event], 'no_stream');
      await expect(store.append('s-1', [event], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(durations).toHaveLength(2);
      for (const seconds of durations) expect(seconds).toBeGreaterThan(0);
      expect(await store.headPosition()).toEqual(position);
      expect((await store.readStream('s-1')).map((recorded) => recorded.type)).toEqual(['Happened']);
      expect(await store.readAll({ limit: 10 })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
