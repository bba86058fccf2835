import type { RecordedEvent } from '../platform/event-store/event-store';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { companyEvents } from './company.events';

/** The companies read model: one document per company, as admins list and read them. */
// A type alias, not an interface: documents must be assignable to Record<string, unknown>.
export type CompanyView = {
  readonly id: string;
  readonly name: string;
  readonly userLicenses: number | null;
  /** Users holding a licence seat: the active ones. */
  readonly activeUsers: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Revision of the company stream this document reflects (the idempotency guard). */
  readonly revision: number;
};

export const companiesProjection: Projection = {
  name: 'companies',
  version: 1,
  collections: { companies: [{ fields: ['createdAt', 'id'] }, { fields: ['name', 'id'] }] },
  // Token traffic: none needed, none taken. It handles only its own context's events: a token's events
  // cost it one in-memory type check (live, and in a rebuild of every projection), never a write.
  handles: companyEvents.types,
  critical: false,
  async apply(recorded: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const event = companyEvents.decode(recorded);
    if (!event) return;
    const companyId = event.data.companyId;
    await applyOnce<CompanyView>(writer, 'companies', companyId, recorded, (current) => {
      switch (event.type) {
        case 'CompanyRegistered':
          return {
            id: companyId,
            name: event.data.name,
            userLicenses: event.data.userLicenses,
            activeUsers: 0,
            createdAt: event.data.registeredAt,
            updatedAt: event.data.registeredAt,
          };
        case 'CompanyRenamed':
          return current && { ...current, name: event.data.name, updatedAt: event.data.renamedAt };
        case 'CompanyUserLicensesChanged':
          return current && { ...current, userLicenses: event.data.userLicenses, updatedAt: event.data.changedAt };
        case 'CompanyUserSeatAssigned':
          return current && { ...current, activeUsers: current.activeUsers + 1 };
        case 'CompanyUserSeatReleased':
          return current && { ...current, activeUsers: current.activeUsers - 1 };
      }
    });
  },
};

export const COMPANIES = physicalCollection(companiesProjection, 'companies');
