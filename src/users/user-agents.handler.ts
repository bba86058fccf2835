import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { EventStore } from '../platform/event-store/event-store';
import { loadAggregate } from '../platform/event-store/decide-on-stream';
import { AgentFacts } from './user.decider';
import { UserWrite, UserWritten, writeUser } from './user-write';

/** The agents a user may chat with, and the one it starts with. */

export class GrantUserAgent extends UserWrite<'GrantAgent'> {}

@CommandHandler(GrantUserAgent)
export class GrantUserAgentHandler implements ICommandHandler<GrantUserAgent> {
  constructor(private readonly events: EventStore) {}

  execute(write: GrantUserAgent): Promise<UserWritten> {
    // The agent is read once the user is known to be the caller's: its facts are the decider's to judge.
    return writeUser(this.events, write, async (_, now) => ({
      type: 'GrantAgent',
      ...write.request,
      agent: await this.agentFacts(write.request.agentId),
      now,
    }));
  }

  /** The agent's company and status, read from its stream (the source of truth), for the decider. */
  private async agentFacts(agentId: string): Promise<AgentFacts> {
    const { state } = await loadAggregate(this.events, agentStream(agentId), agentDecider);
    return state.status === 'absent' ? null : { companyId: state.companyId, retired: state.status === 'retired' };
  }
}

export class RevokeUserAgent extends UserWrite<'RevokeAgent'> {}

@CommandHandler(RevokeUserAgent)
export class RevokeUserAgentHandler implements ICommandHandler<RevokeUserAgent> {
  constructor(private readonly events: EventStore) {}

  execute(write: RevokeUserAgent): Promise<UserWritten> {
    return writeUser(this.events, write, (_, now) => ({
      type: 'RevokeAgent',
      ...write.request,
      now,
    }));
  }
}

export class SetUserDefaultAgent extends UserWrite<'SetDefaultAgent'> {}

@CommandHandler(SetUserDefaultAgent)
export class SetUserDefaultAgentHandler implements ICommandHandler<SetUserDefaultAgent> {
  constructor(private readonly events: EventStore) {}

  execute(write: SetUserDefaultAgent): Promise<UserWritten> {
    return writeUser(this.events, write, (_, now) => ({
      type: 'SetDefaultAgent',
      ...write.request,
      now,
    }));
  }
}
