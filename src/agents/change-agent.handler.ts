import { decideOnStream } from '../platform/event-store/decide-on-stream';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { withinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { CommandInput } from '../platform/domain/command-input';
import { EventStore } from '../platform/event-store/event-store';
import { Position } from '../platform/event-store/position';
import { AgentCommand, agentDecider, agentStream } from './agent.decider';

/** A change to an existing agent as the admin asks it: the decider's command less the agent and the clock. */
export type AgentChange = CommandInput<Exclude<AgentCommand, { type: 'RegisterAgent' }>, 'agentId' | 'now'>;

export interface AgentChanged {
  /** Absent when the change changed nothing. */
  readonly position?: Position;
}

export class ChangeAgent extends Command<AgentChanged> {
  constructor(
    readonly agentId: string,
    readonly change: AgentChange,
    readonly context: RequestContext,
    /** From `If-Match`: the revision the caller last saw. */
    readonly ifRevision?: number,
  ) {
    super();
  }
}

@CommandHandler(ChangeAgent)
export class ChangeAgentHandler implements ICommandHandler<ChangeAgent> {
  constructor(private readonly events: EventStore) {}

  async execute({ agentId, change, context, ifRevision }: ChangeAgent): Promise<AgentChanged> {
    const now = new Date();
    const { position } = await decideOnStream(this.events, agentStream(agentId), agentDecider, {
      command: { ...change, agentId, now: now.toISOString() },
      authorize: withinScope(context, 'agent', agentId),
      metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId),
      ifRevision,
    });
    return { position };
  }
}
