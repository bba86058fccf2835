import { Injectable } from '@nestjs/common';
import { agentDecider, agentStream } from '../agents/agent.decider';
import { type ClientEvent, clientEvents } from '../clients/client.events';
import { grantEvents, TokenCutoffs } from '../grants/grant.events';
import { CLIENT_CUTOFFS, tokenCutoffAfter, USER_CUTOFFS } from '../oauth/security-view';
import { notFound } from '../platform/auth/company-scope';
import { combinedCatalogue } from '../platform/event-store/event-catalogue';
import { EventStore, RecordedEvent } from '../platform/event-store/event-store';
import { loadAggregate } from '../platform/event-store/decide-on-stream';
import { eventsOf } from '../platform/event-store/read-pages';
import { userDecider, type UserState } from '../users/user.decider';
import { type UserEvent, userEvents } from '../users/user.events';

/** The user facts an agent's access depends on (the others leave status, company and agents as they are). */
const USER_FACTS: UserEvent['type'][] = [
  'UserRegistered',
  'UserGrantedAgent',
  'UserAgentRevoked',
  'UserDeactivated',
  'UserReactivated',
];
const GRANT_FACTS = ['TokenIssued', 'RefreshTokenRotated', 'TokenRevoked'];
/** What ends tokens besides their grant's revocation: the cutoffs their client's or user's stream records. */
const CUTOFF_FACTS = [...CLIENT_CUTOFFS, ...USER_CUTOFFS];
const holderEvents = combinedCatalogue<ClientEvent | UserEvent>(clientEvents, userEvents);

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
    // Folded with the user decider's own evolve: access is what the service itself believed then.
    const users = new Map<string, UserState>();
    for await (const recorded of this.until(at, USER_FACTS, 'user-')) {
      const event = userEvents.decode(recorded);
      if (!event) continue;
      // Users of other companies never have access: they are not kept.
      if (event.type === 'UserRegistered' && event.data.companyId !== agent.companyId) {
        users.delete(event.data.userId);
        continue;
      }
      const user = users.get(event.data.userId);
      if (!user && event.type !== 'UserRegistered') continue;
      users.set(event.data.userId, userDecider.evolve(user ?? userDecider.initialState, event));
    }
    const userIds = [...users]
      .filter(([, user]) => user.status === 'active' && user.agents.includes(agentId))
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
    const current = (stream: string) => cutoffs.get(stream) ?? -1;
    const prefixes = ['grant-', 'client-', 'user-'];
    for await (const recorded of this.until(at, [...GRANT_FACTS, ...CUTOFF_FACTS], prefixes)) {
      const cutoff = holderEvents.decode(recorded);
      if (cutoff) {
        cutoffs.set(recorded.stream, tokenCutoffAfter(current(recorded.stream), cutoff));
        continue;
      }
      const event = grantEvents.decode(recorded);
      if (!event) continue;
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
