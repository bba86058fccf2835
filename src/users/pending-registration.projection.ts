import { companyDecider } from '../companies/company.decider';
import type { CompanyEvent } from '../companies/company.events';
import { combinedCatalogue } from '../platform/event-store/event-catalogue';
import { physicalCollection, type Projection } from '../platform/projections/projection';
import { type EmailReservationEvent, emailReservationEvents } from './email-reservation.events';
import { type UserEvent, userEvents } from './user.events';

/**
 * A seat or an email reservation taken for a user who is not (yet) active or registered: the
 * in-between state of a registration or reactivation, which spans several streams. Normally it lasts
 * milliseconds; one that outlives a crash is what the `RegistrationReconciler` gives back.
 */
export type PendingRegistration = {
  readonly id: string;
  readonly kind: 'seat' | 'email';
  readonly companyId: string;
  readonly userId: string;
  /** The email reservation's stream, for `email`. */
  readonly stream: string | null;
  readonly since: string;
};

/** A registration's steps are events of three contexts. */
const registrationEvents = combinedCatalogue<CompanyEvent | EmailReservationEvent | UserEvent>(
  companyDecider.events,
  emailReservationEvents,
  userEvents,
);

const seatId = (companyId: string, userId: string) => `seat:${companyId}:${userId}`;
/** By holder: a user registered no longer holds anything pending, and the event says who, not which email. */
const emailId = (companyId: string, userId: string) => `email:${companyId}:${userId}`;

export const pendingRegistrationsProjection: Projection = {
  name: 'pending_registrations',
  // 2: email rows keyed by holder, as `UserRegistered` no longer gives the reservation's name.
  version: 2,
  collections: { pending: [{ fields: ['since', 'id'] }] },
  // Token traffic: none needed, none taken. It handles only its own context's events: a token's events
  // cost it one in-memory type check (live, and in a rebuild of every projection), never a write.
  handles: [
    'CompanyUserSeatAssigned',
    'CompanyUserSeatReleased',
    ...emailReservationEvents.types,
    'UserRegistered',
    'UserReactivated',
  ] satisfies (typeof registrationEvents.types)[number][],
  critical: false,
  // Upserts and deletes keyed by what they describe: applying an event again changes nothing.
  async apply(recorded, writer) {
    const event = registrationEvents.decode(recorded);
    if (!event) return;
    switch (event.type) {
      case 'CompanyUserSeatAssigned': {
        const { companyId, userId, assignedAt } = event.data;
        const row = { kind: 'seat', companyId, userId, stream: null, since: assignedAt };
        return writer.upsert('pending', { id: seatId(companyId, userId), ...row });
      }
      case 'CompanyUserSeatReleased':
        return void (await writer.delete('pending', seatId(event.data.companyId, event.data.userId)));
      case 'UserEmailReserved': {
        const { companyId, userId, reservedAt } = event.data;
        const row = { kind: 'email', companyId, userId, stream: recorded.stream, since: reservedAt };
        return writer.upsert('pending', { id: emailId(companyId, userId), ...row });
      }
      case 'UserEmailReleased':
        return void (await writer.delete('pending', emailId(event.data.companyId, event.data.userId)));
      case 'UserRegistered': {
        const { companyId, userId } = event.data;
        await writer.delete('pending', seatId(companyId, userId));
        return void (await writer.delete('pending', emailId(companyId, userId)));
      }
      case 'UserReactivated': {
        const companyId = recorded.metadata.companyId;
        if (companyId) await writer.delete('pending', seatId(companyId, event.data.userId));
        return;
      }
    }
  },
};

export const PENDING_REGISTRATIONS = physicalCollection(pendingRegistrationsProjection, 'pending');
