import { Injectable } from '@nestjs/common';
import { type EventMetadata, EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';
import { ERASED } from '../platform/personal-data/personal-data-cipher';
import { PersonalDataKeyRing } from '../platform/personal-data/personal-data-key-ring';
import { PersonalDataSecrets } from '../platform/personal-data/personal-data-secrets';
import {
  emailReservationDecider,
  emailReservationStream,
  legacyEmailReservationStream,
} from './email-reservation.decider';
import { userStream } from './user.decider';
import { userEvents } from './user.events';
import { releaseSeat } from './user-seats';

/**
 * What follows a recorded `UserErased`, in this order: the user's licence seat and email
 * reservation are given back (the email is still readable: its key is deleted last), then the key.
 * Every step is idempotent, so the `ErasureReconciler` finishes an erasure a crash interrupted by
 * running it again; a key gone means the erasure is finished.
 */
@Injectable()
export class UserErasure {
  constructor(
    private readonly events: EventStore,
    private readonly keys: PersonalDataKeyRing,
    private readonly secrets: PersonalDataSecrets,
  ) {}

  /** Finishes the user's erasure if one is recorded; answers whether there was one. */
  async finish(userId: string, metadata: EventMetadata): Promise<boolean> {
    let registered: { companyId: string; email: string } | undefined;
    let erased = false;
    for (const recorded of await this.events.readStream(userStream(userId))) {
      const event = userEvents.decode(recorded);
      if (event?.type === 'UserRegistered') registered = event.data;
      if (event?.type === 'UserErased') erased = true;
    }
    if (!registered || !erased) return false;
    const { companyId, email } = registered;
    await releaseSeat(this.events, companyId, userId, { ...metadata, companyId });
    // Unreadable once the key is gone, so a key already deleted means this was done before it.
    if (email !== ERASED) {
      // Under its current name, and under the plain-hash name of reservations made before it.
      for (const stream of [
        emailReservationStream(this.secrets.reservationKey, companyId, email),
        legacyEmailReservationStream(companyId, email),
      ]) {
        const command = { type: 'ReleaseEmail' as const, companyId, userId, now: metadata.at };
        await retryOnConflict(() =>
          decideOnStream(this.events, stream, emailReservationDecider, {
            command,
            metadata: { ...metadata, companyId },
          }),
        );
      }
    }
    await this.keys.erase(userId);
    return true;
  }
}
