import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { loadAggregate } from '../platform/event-store/decide-on-stream';
import { EventStore } from '../platform/event-store/event-store';
import { grantDecider, GrantState, grantStream } from './grant.decider';

/** A grant's current state, folded from its stream (the source of truth, never a lagging read model). */
export class GetGrant extends Query<GrantState> {
  constructor(readonly grantId: string) {
    super();
  }
}

@QueryHandler(GetGrant)
export class GetGrantHandler implements IQueryHandler<GetGrant> {
  constructor(private readonly events: EventStore) {}

  async execute({ grantId }: GetGrant): Promise<GrantState> {
    return (await loadAggregate(this.events, grantStream(grantId), grantDecider)).state;
  }
}
