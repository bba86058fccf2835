import { type CompanyCommand, companyDecider, companyStream } from '../companies/company.decider';
import type { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';

/**
 * A company's licence count bounds its active users: a user takes a seat on the company stream
 * before becoming active and gives it back when deactivated. Seat changes are internal commands,
 * so they retry on a concurrent write to the company.
 */
function moveSeat(
  events: EventStore,
  type: Extract<CompanyCommand['type'], 'AssignUserSeat' | 'ReleaseUserSeat'>,
  companyId: string,
  userId: string,
  metadata: EventMetadata,
): Promise<unknown> {
  const command = { type, companyId, userId, now: metadata.at };
  return retryOnConflict(() => decideOnStream(events, companyStream(companyId), companyDecider, { command, metadata }));
}

export const takeSeat = (events: EventStore, companyId: string, userId: string, metadata: EventMetadata) =>
  moveSeat(events, 'AssignUserSeat', companyId, userId, metadata);

export const releaseSeat = (events: EventStore, companyId: string, userId: string, metadata: EventMetadata) =>
  moveSeat(events, 'ReleaseUserSeat', companyId, userId, metadata);
