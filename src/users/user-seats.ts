import { companyDecider, companyStream } from '../companies/company.decider';
import { EventMetadata, EventStore } from '../platform/event-store/event-store';
import { handleCommand } from '../platform/event-store/handle-command';
import { retryOnConflict } from '../platform/event-store/retry-on-conflict';

/**
 * A company's licence count bounds its active users: a user takes a seat on the company stream
 * before becoming active and gives it back when deactivated. Seat changes are internal commands,
 * so they retry on a concurrent write to the company.
 */
export function takeSeat(
  events: EventStore,
  companyId: string,
  userId: string,
  metadata: EventMetadata,
): Promise<unknown> {
  return retryOnConflict(() =>
    handleCommand(
      events,
      companyStream(companyId),
      companyDecider,
      { type: 'AssignUserSeat', companyId, userId, now: metadata.at },
      metadata,
    ),
  );
}

export function releaseSeat(
  events: EventStore,
  companyId: string,
  userId: string,
  metadata: EventMetadata,
): Promise<unknown> {
  return retryOnConflict(() =>
    handleCommand(
      events,
      companyStream(companyId),
      companyDecider,
      { type: 'ReleaseUserSeat', companyId, userId, now: metadata.at },
      metadata,
    ),
  );
}
