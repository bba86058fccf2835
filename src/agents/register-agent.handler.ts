import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { withinScope } from '../platform/auth/company-scope';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { loadAggregate, startStream } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { agentDecider, agentStream } from './agent.decider';
import { AgentSettings } from './agent.events';

export interface RegisteredAgent {
  readonly agentId: string;
  readonly position: Position;
}

export class RegisterAgent extends Command<RegisteredAgent> {
  constructor(
    readonly companyId: string,
    readonly settings: AgentSettings,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** A new agent of a company within the caller's scope. */
@CommandHandler(RegisterAgent)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgent> {
  constructor(private readonly events: EventStore) {}

  async execute({ companyId, settings, context }: RegisterAgent): Promise<RegisteredAgent> {
    const company = await loadAggregate(this.events, companyStream(companyId), companyDecider);
    withinScope(context, 'company', companyId)(company.state);
    const agentId = randomUUID();
    const now = new Date();
    const { position } = await startStream(this.events, agentStream(agentId), agentDecider, {
      command: { type: 'RegisterAgent', agentId, companyId, ...settings, now: now.toISOString() },
      metadata: eventMetadata(context, now, companyId),
    });
    return { agentId, position: position! };
  }
}
