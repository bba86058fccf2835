import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventStore } from '../platform/event-store/event-store';
import { comparePositions, type Position } from '../platform/event-store/position';
import { eventsOf } from '../platform/event-store/read-pages';
import { PersonalDataKeyRing } from '../platform/personal-data/personal-data-key-ring';
import { ProjectionRunner } from '../platform/projections/projection-runner';
import { ReadStore } from '../platform/read-store/read-store';
import { repeat } from '../platform/repeat';
import { usersProjection } from './user.projection';
import { UserErasure } from './user-erasure';

/**
 * An erasure spans steps (the event, the seat, the email, the key): a crash between them leaves a
 * key behind. At start and every `REGISTRATION_GRACE_SECONDS`, this finishes every recorded
 * erasure whose key still exists (judged from the event store and the key store, never a read
 * model), and once the users read model has blanked the erased users, scrubs the read store (its
 * write-ahead log held their older rows). This is also what re-applies erasures after a key store
 * restored from a backup taken before them. Safe on every instance at once: each step is idempotent.
 */
@Injectable()
export class ErasureReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('users');
  private stop?: () => void;
  /** The last erasure whose blanked rows this instance has scrubbed from the read store; none at start. */
  private scrubbedUpTo?: Position;

  constructor(
    private readonly events: EventStore,
    private readonly keys: PersonalDataKeyRing,
    private readonly erasure: UserErasure,
    private readonly reads: ReadStore,
    private readonly projections: ProjectionRunner,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const warn = (error: unknown) => this.logger.warn(`erasure reconciler: ${String(error)}`);
    // Once at start, without holding the start up (a store still down is the next pass's business).
    void this.reconcile().catch(warn);
    this.stop = repeat(this.config.registrationGraceSeconds * 1000, () => this.reconcile(), warn);
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Finishes interrupted erasures and scrubs the read store once they show; answers how many it finished. */
  async reconcile(now = new Date()): Promise<number> {
    const erased = new Set<string>();
    let latest: Position | undefined;
    for await (const event of eventsOf(this.events, { filter: { types: ['UserErased'], streamPrefixes: ['user-'] } })) {
      erased.add((event.data as { userId: string }).userId);
      latest = event.position;
    }
    let finished = 0;
    for (const userId of await this.keys.held([...erased])) {
      const metadata = {
        actor: { kind: 'system' as const, id: 'erasure-reconciler' },
        correlationId: randomUUID(),
        causationId: `user-${userId}`,
        at: now.toISOString(),
        schemaVersion: 1,
      };
      if (await this.erasure.finish(userId, metadata)) finished += 1;
    }
    if (finished > 0) this.logger.warn(`finished ${finished} erasures a crash had interrupted`);
    await this.scrub(latest);
    return finished;
  }

  /** Once per erasure (the latest, when several came together), and once the users read model shows it. */
  private async scrub(latest: Position | undefined): Promise<void> {
    if (latest === undefined || (this.scrubbedUpTo && comparePositions(latest, this.scrubbedUpTo) <= 0)) return;
    if (!(await this.projections.waitForPosition(usersProjection.name, latest, 0))) return; // the next pass
    await this.reads.scrub();
    this.scrubbedUpTo = latest;
  }
}
