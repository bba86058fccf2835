import { createHash, createHmac } from 'node:crypto';
import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { type EmailReservationEvent, emailReservationEvents } from './email-reservation.events';

/**
 * An email is unique within a company. Guarded by a reservation stream appended at its exact
 * revision (architecture §5), never by a read-model lookup, so two concurrent registrations cannot both win.
 */

export type EmailReservationCommand =
  | { type: 'ReserveEmail'; companyId: string; userId: string; now: string }
  | { type: 'ReleaseEmail'; companyId: string; userId: string; now: string };

export type EmailReservationState = { holder: string | null };

/**
 * `useremail-<HMAC-SHA-256(company, lowercased email)>` under the service's reservation key
 * (`PersonalDataSecrets`): emails compare case-insensitively, and neither the address nor a hash
 * anyone could test a guessed address against appears in stream names.
 */
export function emailReservationStream(reservationKey: Buffer, companyId: string, email: string): string {
  return `useremail-${createHmac('sha256', reservationKey).update(reservationSubject(companyId, email)).digest('hex')}`;
}

/**
 * The plain SHA-256 name reservations had before: events recorded then are never rewritten, so
 * registration still checks it (an email held under it stays taken) and an erasure releases it.
 */
export function legacyEmailReservationStream(companyId: string, email: string): string {
  return `useremail-${createHash('sha256').update(reservationSubject(companyId, email)).digest('hex')}`;
}

const reservationSubject = (companyId: string, email: string) => `${companyId}\n${email.trim().toLowerCase()}`;

export const emailReservationDecider: Decider<EmailReservationCommand, EmailReservationEvent, EmailReservationState> = {
  events: emailReservationEvents,
  initialState: { holder: null },
  evolve: (_, event) => ({ holder: event.type === 'UserEmailReserved' ? event.data.userId : null }),
  decide: (command, state) => {
    const { companyId, userId, now } = command;
    if (command.type === 'ReleaseEmail') {
      return state.holder === userId
        ? [{ type: 'UserEmailReleased', data: { companyId, userId, releasedAt: now } }]
        : [];
    }
    if (state.holder === userId) return []; // a retried registration keeps its own reservation
    if (state.holder !== null)
      throw new DomainError('conflict', 'email_taken', 'another user of this company has this email');
    return [{ type: 'UserEmailReserved', data: { companyId, userId, reservedAt: now } }];
  },
};
