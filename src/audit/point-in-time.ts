import { Injectable } from '@nestjs/common';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { GrantEvent } from '../grants/grant.decider';
import { notFound } from '../platform/auth/company-scope';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { loadAggregate } from '../platform/event-store/handle-command';
import { eventsOf } from '../platform/event-store/read-pages';
import { UserEvent } from '../users/user.decider';

const USER_FACTS = ['UserRegistered', 'UserGrantedAgent', 'UserAgentRevoked', 'UserDeactivated', 'UserReactivated'];
const GRANT_FACTS = ['TokenIssued', 'RefreshTokenRotated', 'TokenRevoked'];

export interface LiveGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly userId: string | null;
  readonly companyId: string;
  /** The access token live at the instant: issued before it, expiring after it. */
  readonly jti: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/**
 * Questions about a past instant that span many streams, answered by scanning the facts recorded up
 * to it in global order (the source of truth, no read model that could have drifted).
 */
@Injectable()
export class PointInTime {
  constructor(private readonly events: EventStore) {}

  /** Who could use the agent at `at`: active users of its company holding a grant to it. */
  async agentAccess(agentId: string, at: string, companyScope: string | undefined) {
    const { state: agent } = await loadAggregate(this.events, agentStream(agentId), agentDecider);
    if (agent.status === 'absent' || (companyScope !== undefined && agent.companyId !== companyScope)) {
      throw notFound('agent', agentId);
    }
    const users = new Map<string, { companyId: string; active: boolean; granted: boolean }>();
    for await (const recorded of this.until(at, USER_FACTS, 'user-')) {
      const event = recorded as unknown as UserEvent;
      const user = users.get(event.data.userId);
      if (event.type === 'UserRegistered')
        users.set(event.data.userId, { companyId: event.data.companyId, active: true, granted: false });
      else if (!user) continue;
      else if (event.type === 'UserGrantedAgent' && event.data.agentId === agentId) user.granted = true;
      else if (event.type === 'UserAgentRevoked' && event.data.agentId === agentId) user.granted = false;
      else if (event.type === 'UserDeactivated') user.active = false;
      else if (event.type === 'UserReactivated') user.active = true;
    }
    const userIds = [...users]
      .filter(([, user]) => user.companyId === agent.companyId && user.active && user.granted)
      .map(([id]) => id);
    return { agentId, at, users: userIds.sort() };
  }

  /** Grants with an access token live at `at`, for one client or one user. */
  async liveTokens(
    at: string,
    holder: { clientId?: string; userId?: string },
    companyScope: string | undefined,
  ): Promise<LiveGrant[]> {
    const instant = Date.parse(at);
    const grants = new Map<string, LiveGrant & { revoked: boolean }>();
    for await (const recorded of this.until(at, GRANT_FACTS, 'grant-')) {
      const event = recorded as unknown as GrantEvent;
      const grant = grants.get(event.data.grantId);
      if (event.type === 'TokenIssued') {
        const { grantId, clientId, userId, companyId, jti, issuedAt, expiresAt } = event.data;
        grants.set(grantId, { grantId, clientId, userId, companyId, jti, issuedAt, expiresAt, revoked: false });
      } else if (grant && event.type === 'RefreshTokenRotated') {
        grants.set(grant.grantId, {
          ...grant,
          jti: event.data.jti,
          issuedAt: event.data.issuedAt,
          expiresAt: event.data.expiresAt,
        });
      } else if (grant && event.type === 'TokenRevoked') {
        grant.revoked = true;
      }
    }
    return [...grants.values()]
      .filter((grant) => !grant.revoked && Date.parse(grant.expiresAt) > instant)
      .filter((grant) => holder.clientId === undefined || grant.clientId === holder.clientId)
      .filter((grant) => holder.userId === undefined || grant.userId === holder.userId)
      .filter((grant) => companyScope === undefined || grant.companyId === companyScope)
      .map(({ revoked: _revoked, ...grant }) => grant);
  }

  /** Facts of these types on streams with this prefix, recorded up to `at`, in global order. */
  private async *until(at: string, types: string[], streamPrefix: string): AsyncGenerator<RecordedEvent> {
    const instant = Date.parse(at);
    for await (const event of eventsOf(this.events, { filter: { types, streamPrefixes: [streamPrefix] } })) {
      if (Date.parse(event.recordedAt) > instant) return;
      yield event;
    }
  }
}
