import { companyDecider } from '../companies/company.decider';
import type { CompanyEvent } from '../companies/company.events';
import { combinedCatalogue } from '../platform/event-store/event-catalogue';
import { physicalCollection, type Projection } from '../platform/projections/projection';
import { emailReservationStream } from './email-reservation.decider';
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
const emailId = (stream: string) => `email:${stream}`;

export const pendingRegistrationsProjection: Projection = {
  name: 'pending_registrations',
  version: 1,
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
        return writer.upsert('pending', { id: emailId(recorded.stream), ...row });
      }
      case 'UserEmailReleased':
        return void (await writer.delete('pending', emailId(recorded.stream)));
      case 'UserRegistered': {
        const { companyId, userId, email } = event.data;
        await writer.delete('pending', seatId(companyId, userId));
        return void (await writer.delete('pending', emailId(emailReservationStream(companyId, email))));
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
