import type { RecordedEvent } from '../event-store/event-store';
import { formatPosition, isAtOrAfter, parsePosition, type Position, START } from '../event-store/position';
import type { ReadStore } from '../read-store/read-store';
import type { Progress } from './following';
import { type Projection, projectionKey } from './projection';

/** Where each projection version has applied everything up to, one document per version. */
export const CHECKPOINTS = 'projection_checkpoints';
/** Events a non-critical projection failed on and set aside, for an operator to look at. */
export const PARKED_EVENTS = 'projection_parked_events';

export function checkpointDocument(projection: Projection, position: Position) {
  return { id: projectionKey(projection), position: formatPosition(position), updatedAt: new Date().toISOString() };
}

export async function loadCheckpoint(store: ReadStore, projection: Projection): Promise<Position> {
  const stored = await store.get<{ id: string; position: string }>(CHECKPOINTS, projectionKey(projection));
  return stored ? parsePosition(stored.position) : START;
}

/** Sets a poison event aside with the checkpoint moving past it (to `through`), in one transaction. */
export async function parkEvent(
  store: ReadStore,
  projection: Projection,
  event: RecordedEvent,
  through: Position,
  error: string,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.upsert(PARKED_EVENTS, {
      id: `${projectionKey(projection)}:${event.id}`,
      projection: projectionKey(projection),
      eventId: event.id,
      stream: event.stream,
      revision: event.revision,
      type: event.type,
      position: formatPosition(event.position),
      error,
      parkedAt: new Date().toISOString(),
    });
    await tx.upsert(CHECKPOINTS, checkpointDocument(projection, through));
  });
}

/** How often, at most, progress past ignored events is saved. */
const PASSED_EVENTS_SAVE_MS = 1_000;

/**
 * The checkpoint of progress made past events a projection ignores, which no read-model transaction
 * records: saved at most once a second and on reaching the head (a restart then does not rescan
 * them all), and when the projection stops with its lease.
 */
export class PassedEventsCheckpoint {
  private saved: Position;
  private savedAt = Date.now();

  constructor(
    private readonly store: ReadStore,
    private readonly projection: Projection,
    private readonly progress: Progress,
  ) {
    this.saved = progress.position;
  }

  /** A read-model transaction has just saved the checkpoint with its changes. */
  savedWithReadModel(): void {
    this.saved = this.progress.position;
    this.savedAt = Date.now();
  }

  async saveWhenDue(reachingHead: boolean): Promise<void> {
    if (reachingHead || Date.now() - this.savedAt >= PASSED_EVENTS_SAVE_MS) await this.save();
  }

  async save(): Promise<void> {
    const { position } = this.progress;
    if (!isAtOrAfter(this.saved, position)) {
      await this.store.upsert(CHECKPOINTS, checkpointDocument(this.projection, position));
      this.saved = position;
    }
    this.savedAt = Date.now();
  }
}
