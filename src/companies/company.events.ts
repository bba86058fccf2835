import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** What happens to a company (a tenant): the facts its stream records. */

export type CompanyEvent =
  | DomainEvent<
      'CompanyRegistered',
      { companyId: string; name: string; userLicenses: number | null; registeredAt: string }
    >
  | DomainEvent<'CompanyRenamed', { companyId: string; name: string; renamedAt: string }>
  | DomainEvent<'CompanyUserLicensesChanged', { companyId: string; userLicenses: number | null; changedAt: string }>
  | DomainEvent<'CompanyUserSeatAssigned', { companyId: string; userId: string; assignedAt: string }>
  | DomainEvent<'CompanyUserSeatReleased', { companyId: string; userId: string; releasedAt: string }>;

export const companyEvents = eventCatalogue<CompanyEvent>({
  CompanyRegistered: { version: 1 },
  CompanyRenamed: { version: 1 },
  CompanyUserLicensesChanged: { version: 1 },
  CompanyUserSeatAssigned: { version: 1 },
  CompanyUserSeatReleased: { version: 1 },
});
