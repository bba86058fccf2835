import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';
import { ReadStore } from '../platform/read-store/read-store';
import { repeat } from '../platform/repeat';
import { emailReservationDecider } from './email-reservation.decider';
import { PENDING_REGISTRATIONS, PendingRegistration } from './pending-registration.projection';
import { userDecider, userStream } from './user.decider';
import { releaseSeat } from './user-seats';

const PAGE = 200;

/**
 * Registering or reactivating a user spans streams (an email reservation, a seat on the company,
 * the user), each step its own append: a crash between two of them leaves a seat or an email
 * held for a user who never became active. The request's own compensation handles refusals; this
 * handles crashes: every `REGISTRATION_GRACE_SECONDS`, it gives back what has been pending longer
 * than that and belongs to no active user (a seat) or no registered user (an email), judged from
 * the user's stream, never the read model. Safe on every instance at once: seats are per user and
 * emails per holder, so a release done twice records nothing the second time.
 */
@Injectable()
export class RegistrationReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('users');
  private stop?: () => void;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = repeat(
      this.config.registrationGraceSeconds * 1000,
      () => this.reconcile(),
      (error) => this.logger.warn(`registration reconciler: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Gives back what pending registrations older than the grace hold; answers how many. */
  async reconcile(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.registrationGraceSeconds * 1000).toISOString();
    let released = 0;
    let cursor: string | undefined;
    do {
      const page = await this.reads.find<PendingRegistration>(PENDING_REGISTRATIONS, {
        sortBy: 'since',
        limit: PAGE,
        cursor,
      });
      const due = page.items.filter((pending) => pending.since < before);
      for (const pending of due) if (await this.giveBack(pending, now)) released += 1;
      cursor = due.length === page.items.length ? page.nextCursor : undefined; // oldest first: the rest is recent
    } while (cursor);
    if (released > 0)
      this.logger.warn(`gave back ${released} seats or emails held by registrations that never finished`);
    return released;
  }

  private async giveBack(pending: PendingRegistration, now: Date): Promise<boolean> {
    const { state: user } = await loadAggregate(this.events, userStream(pending.userId), userDecider);
    const metadata: EventMetadata = {
      actor: { kind: 'system', id: 'registration-reconciler' },
      correlationId: randomUUID(),
      causationId: pending.id,
      companyId: pending.companyId,
      at: now.toISOString(),
      schemaVersion: 1,
    };
    if (pending.kind === 'seat') {
      if (user.status === 'active') return false;
      await releaseSeat(this.events, pending.companyId, pending.userId, metadata);
      return true;
    }
    if (user.status !== 'absent') return false;
    const command = {
      type: 'ReleaseEmail' as const,
      companyId: pending.companyId,
      userId: pending.userId,
      now: metadata.at,
    };
    const { events } = await retryOnConflict(() =>
      decideOnStream(this.events, pending.stream!, emailReservationDecider, { command, metadata }),
    );
    return events.length > 0;
  }
}
