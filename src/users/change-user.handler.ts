import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { eventMetadata, RequestContext } from '../platform/auth/request-context';
import { EventStore } from '../platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../platform/event-store/decide-on-stream';
import { Position } from '../platform/event-store/position';
import { AgentFacts, ChatSettings, UserCommand, userDecider, UserProfile, UserRole, userStream } from './user.decider';

/** Changes to an existing user that touch only its own stream (activation also moves a licence seat). */
export type UserChange =
  | { type: 'GrantAgent'; agentId: string }
  | { type: 'RevokeAgent'; agentId: string }
  | { type: 'SetDefaultAgent'; agentId: string }
  | ({ type: 'ChangeChatSettings' } & Partial<ChatSettings>)
  | ({ type: 'ChangeUser'; role?: UserRole } & Partial<UserProfile>)
  | { type: 'RevokeUserTokens' };

export class ChangeUser {
  constructor(
    readonly userId: string,
    readonly change: UserChange,
    readonly context: RequestContext,
    readonly ifRevision?: number,
  ) {}
}

@CommandHandler(ChangeUser)
export class ChangeUserHandler implements ICommandHandler<ChangeUser, { position?: Position }> {
  constructor(private readonly events: EventStore) {}

  async execute({ userId, change, context, ifRevision }: ChangeUser): Promise<{ position?: Position }> {
    const now = new Date().toISOString();
    const command: UserCommand =
      change.type === 'GrantAgent'
        ? { ...change, userId, agent: await this.agentFacts(change.agentId), now }
        : { ...change, userId, now };
    // An admin's mass revocation is enforced by its cutoff at once, and recorded on each of the
    // user's live grants by the GrantCascade reactor, after this answers.
    const { position } = await decideOnStream(this.events, userStream(userId), userDecider, { command: command, metadata: (state) => eventMetadata(context, new Date(now), state.status === 'absent' ? undefined : state.companyId), ifRevision: ifRevision });
    return { position };
  }

  /** The agent's company and status, read from its stream (the source of truth), for the decider. */
  private async agentFacts(agentId: string): Promise<AgentFacts> {
    const { state } = await loadAggregate(this.events, agentStream(agentId), agentDecider);
    return state.status === 'absent' ? null : { companyId: state.companyId, retired: state.status === 'retired' };
  }
}
