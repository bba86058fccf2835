import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** Who holds an email within a company: the events of its reservation stream. */
export type EmailReservationEvent =
  | DomainEvent<'UserEmailReserved', { companyId: string; userId: string; reservedAt: string }>
  | DomainEvent<'UserEmailReleased', { companyId: string; userId: string; releasedAt: string }>;

export const emailReservationEvents = eventCatalogue<EmailReservationEvent>({
  UserEmailReserved: { version: 1 },
  UserEmailReleased: { version: 1 },
});
