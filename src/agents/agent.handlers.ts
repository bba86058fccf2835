import { randomUUID } from 'node:crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { companyDecider, companyStream } from '../companies/company.decider';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { DomainError } from '../platform/domain/domain-error';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { AgentSettings, agentDecider, agentStream } from './agent.decider';

export class RegisterAgent {
  constructor(
    readonly companyId: string,
    readonly settings: AgentSettings,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(RegisterAgent)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgent, { agentId: string; position: Position }> {
  constructor(private readonly events: EventStore) {}

  async execute({ companyId, settings, context }: RegisterAgent): Promise<{ agentId: string; position: Position }> {
    const company = await loadAggregate(this.events, companyStream(companyId), companyDecider);
    if (company.state.status === 'absent')
      throw new DomainError('not_found', 'company_not_found', `no company ${companyId}`);
    const agentId = randomUUID();
    const now = new Date();
    const { position } = await decideOnStream(this.events, agentStream(agentId), agentDecider, { command: { type: 'RegisterAgent', agentId, companyId, ...settings, now: now.toISOString() }, metadata: eventMetadata(context, now, companyId) });
    return { agentId, position: position! };
  }
}

export type AgentChange = ({ type: 'ChangeAgentSettings' } & Partial<AgentSettings>) | { type: 'RetireAgent' };

export class ChangeAgent {
  constructor(
    readonly agentId: string,
    readonly change: AgentChange,
    readonly context: RequestContext,
    readonly ifRevision?: number,
  ) {}
}

@CommandHandler(ChangeAgent)
export class ChangeAgentHandler implements ICommandHandler<ChangeAgent, { position?: Position }> {
  constructor(private readonly events: EventStore) {}

  async execute({ agentId, change, context, ifRevision }: ChangeAgent): Promise<{ position?: Position }> {
    const now = new Date();
    const { position } = await decideOnStream(this.events, agentStream(agentId), agentDecider, { command: { ...change, agentId, now: now.toISOString() }, metadata: (state) => eventMetadata(context, now, state.status === 'absent' ? undefined : state.companyId), ifRevision: ifRevision });
    return { position };
  }
}
