import { Injectable } from '@nestjs/common';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { GrantEvent, TokenCutoffs } from '../grants/grant.decider';
import { CLIENT_CUTOFFS, USER_CUTOFFS } from '../oauth/security-view';
import { notFound } from '../platform/auth/company-scope';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { loadAggregate } from '../platform/event-store/decide-on-stream';
import { eventsOf } from '../platform/event-store/read-pages';
import { UserEvent } from '../users/user.decider';

const USER_FACTS = ['UserRegistered', 'UserGrantedAgent', 'UserAgentRevoked', 'UserDeactivated', 'UserReactivated'];
const GRANT_FACTS = ['TokenIssued', 'RefreshTokenRotated', 'TokenRevoked'];
/** What ends tokens besides their grant's revocation: the cutoffs their client's or user's stream records. */
const CUTOFF_FACTS = [...CLIENT_CUTOFFS, ...USER_CUTOFFS];

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

  /**
   * Grants with an access token live at `at`, for one client or one user: issued before it, not
   * expired, not revoked, and not ended by a cutoff of its client or user (a disable, secret
   * rotation, deactivation or mass revocation), which ends tokens at once, before the grant's own
   * `TokenRevoked` is recorded.
   */
  async liveTokens(
    at: string,
    holder: { clientId?: string; userId?: string },
    companyScope: string | undefined,
  ): Promise<LiveGrant[]> {
    const instant = Date.parse(at);
    const grants = new Map<string, LiveGrant & { revoked: boolean; cutoffs: TokenCutoffs }>();
    const cutoffs = new Map<string, number>(); // by stream: the revision of its latest cutoff
    const prefixes = ['grant-', 'client-', 'user-'];
    for await (const recorded of this.until(at, [...GRANT_FACTS, ...CUTOFF_FACTS], prefixes)) {
      if (!recorded.stream.startsWith('grant-')) {
        cutoffs.set(recorded.stream, recorded.revision);
        continue;
      }
      const event = recorded as unknown as GrantEvent;
      const grant = grants.get(event.data.grantId);
      if (event.type === 'TokenIssued') {
        const { grantId, clientId, userId, companyId, jti, issuedAt, expiresAt } = event.data;
        const live = { grantId, clientId, userId, companyId, jti, issuedAt, expiresAt };
        grants.set(grantId, { ...live, revoked: false, cutoffs: event.data.cutoffs });
      } else if (grant && event.type === 'RefreshTokenRotated') {
        const { jti, issuedAt, expiresAt } = event.data;
        grants.set(grant.grantId, { ...grant, jti, issuedAt, expiresAt, cutoffs: event.data.cutoffs });
      } else if (grant && event.type === 'TokenRevoked') {
        grant.revoked = true;
      }
    }
    const current = (stream: string) => cutoffs.get(stream) ?? -1;
    return [...grants.values()]
      .filter((grant) => !grant.revoked && Date.parse(grant.expiresAt) > instant)
      .filter((grant) => grant.cutoffs.client === current(`client-${grant.clientId}`))
      .filter((grant) => grant.userId === null || grant.cutoffs.user === current(`user-${grant.userId}`))
      .filter((grant) => holder.clientId === undefined || grant.clientId === holder.clientId)
      .filter((grant) => holder.userId === undefined || grant.userId === holder.userId)
      .filter((grant) => companyScope === undefined || grant.companyId === companyScope)
      .map(({ revoked: _revoked, cutoffs: _cutoffs, ...grant }) => grant);
  }

  /** Facts of these types on streams with these prefixes, recorded up to `at`, in global order. */
  private async *until(at: string, types: string[], streamPrefixes: string | string[]): AsyncGenerator<RecordedEvent> {
    const instant = Date.parse(at);
    const filter = { types, streamPrefixes: [streamPrefixes].flat() };
    for await (const event of eventsOf(this.events, { filter })) {
      if (Date.parse(event.recordedAt) > instant) return;
      yield event;
    }
  }
}
