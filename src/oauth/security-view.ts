import { Injectable } from '@nestjs/common';
import { clientDecider, type ClientState } from '../clients/client.decider';
import { type ClientEvent, clientEvents, type ClientScope, type ClientType } from '../clients/client.events';
import { grantEvents } from '../grants/grant.events';
import type { Recorded } from '../platform/event-store/event-catalogue';
import type { RecordedEvent } from '../platform/event-store/event-store';
import type { LiveView } from '../platform/projections/live-view';
import { userDecider, type UserState } from '../users/user.decider';
import { type UserEvent, userEvents, type UserRole } from '../users/user.events';

export interface ClientRecord {
  readonly clientId: string;
  readonly companyId: string;
  readonly type: ClientType;
  readonly secretHash: string | null;
  readonly redirectUris: readonly string[];
  readonly allowUserTokens: boolean;
  readonly scopes: readonly ClientScope[];
  /** Whether the client must send an S256 code challenge (always for public clients). */
  readonly requirePkce: boolean;
  readonly enabled: boolean;
  /**
   * Revision of the client stream's last event that ended its tokens (disable, secret rotation,
   * mass revocation); -1 when none. A token records the value it was issued under and is dead once
   * it differs: exact, whatever the clock says, and set from facts, never counted.
   */
  readonly tokenCutoff: number;
}

export interface UserRecord {
  readonly userId: string;
  readonly companyId: string;
  readonly active: boolean;
  readonly role: UserRole;
  readonly agents: readonly string[];
  readonly defaultAgentId: string | null;
  /** As for clients: deactivation and mass revocation end the user's tokens. */
  readonly tokenCutoff: number;
}

/**
 * How long a revoked grant is remembered: the longest access-token lifetime the configuration
 * allows (24 h), plus five minutes for clocks between instances. No access token issued before a
 * revocation is unexpired by then, and none is issued after it (the grant decider refuses); refresh
 * tokens are checked against the grant's own stream, never this view.
 */
const REVOKED_GRANT_MEMORY_MS = (86_400 + 300) * 1000;

/** Events that end every token issued before them, per aggregate. */
export const CLIENT_CUTOFFS: ReadonlySet<ClientEvent['type']> = new Set([
  'ClientDisabled',
  'ClientSecretRotated',
  'ClientTokensRevoked',
] as const);
/** A user token carries the role and agents: a change that narrows or alters them ends the old tokens. */
export const USER_CUTOFFS: ReadonlySet<UserEvent['type']> = new Set([
  'UserDeactivated',
  'UserTokensRevoked',
  'UserRoleChanged',
  'UserAgentRevoked',
  'UserDefaultAgentSet',
  'UserDefaultAgentCleared',
] as const);
const TOKEN_CUTOFFS: ReadonlySet<string> = new Set([...CLIENT_CUTOFFS, ...USER_CUTOFFS]);

/**
 * A client's or user's token cutoff after `event` (see `ClientRecord.tokenCutoff`): the event's
 * revision when it ends the tokens issued before it, else `cutoff` unchanged. The one rule for it,
 * here and in point-in-time answers.
 */
export function tokenCutoffAfter(cutoff: number, event: Recorded<ClientEvent | UserEvent>): number {
  return TOKEN_CUTOFFS.has(event.type) ? event.revision : cutoff;
}

type PresentClient = Exclude<ClientState, { status: 'absent' }>;
type PresentUser = Exclude<UserState, { status: 'absent' }>;
/**
 * What the view holds per client and user: the decider's state, folded with the decider's own
 * `evolve` so the view and the commands agree on status, redirect URIs, role and agents, plus the
 * facts only token checks need (secret hash, scopes, token cutoff).
 */
type ClientEntry = PresentClient & ClientRecord;
type UserEntry = PresentUser & UserRecord;

/**
 * What the OAuth endpoints check on every request, in memory on every instance (architecture §5, §9):
 * clients with their secret hashes and redirect URIs, users with their status, role and agents, and
 * revoked grants. Fed by the live-view subscription, so a disable, deactivation or revocation is
 * enforced here as soon as this instance has seen the event.
 */
@Injectable()
export class SecurityView implements LiveView {
  readonly name = 'security';
  /** Every client and user fact (the deciders' states are folded whole), and grant revocations. */
  readonly handles: readonly string[] = [...clientEvents.types, ...userEvents.types, 'TokenRevoked'];

  private readonly clients = new Map<string, ClientEntry>();
  private readonly users = new Map<string, UserEntry>();
  /** Revoked grants by when they were revoked, oldest first (see `REVOKED_GRANT_MEMORY_MS`). */
  private readonly revokedGrants = new Map<string, number>();

  client(clientId: string): ClientRecord | undefined {
    return this.clients.get(clientId);
  }

  user(userId: string): UserRecord | undefined {
    return this.users.get(userId);
  }

  isGrantRevoked(grantId: string): boolean {
    return this.revokedGrants.has(grantId);
  }

  apply(recorded: RecordedEvent): void {
    const client = clientEvents.decode(recorded);
    if (client) return this.applyClient(client);
    const user = userEvents.decode(recorded);
    if (user) return this.applyUser(user);
    const grant = grantEvents.decode(recorded);
    if (grant?.type === 'TokenRevoked') this.rememberRevoked(grant.data.grantId, Date.parse(grant.data.revokedAt));
  }

  /**
   * Forgets, as it learns of a new revocation, those old enough that no token of theirs can still be
   * honoured: the set follows the revocations of the last day, not every revocation ever made.
   * Driven by the events' own times, so every instance holds the same set at the same position.
   */
  private rememberRevoked(grantId: string, revokedAt: number): void {
    for (const [old, at] of this.revokedGrants) {
      if (at >= revokedAt - REVOKED_GRANT_MEMORY_MS) break;
      this.revokedGrants.delete(old);
    }
    this.revokedGrants.delete(grantId); // re-inserted at the end: the map stays in revocation order
    this.revokedGrants.set(grantId, revokedAt);
  }

  private applyClient(event: Recorded<ClientEvent>): void {
    const current = this.clients.get(event.data.clientId);
    // Secret hash, scopes, user tokens: what the decider keeps no state for, from the registration
    // or as this view last held them.
    const held = event.type === 'ClientRegistered' ? event.data : current;
    if (!held) return; // a client this view never saw registered
    const state = clientDecider.evolve(current ?? clientDecider.initialState, event);
    if (state.status === 'absent') return;
    const cutoff = event.type === 'ClientRegistered' || !current ? -1 : current.tokenCutoff;
    // Written out field by field: an object spread that adds fields leaves V8 holding the object in
    // a slower dictionary form about twice the size, and the view holds one per client.
    this.clients.set(state.clientId, {
      status: state.status,
      clientId: state.clientId,
      companyId: state.companyId,
      type: state.type,
      redirectUris: state.redirectUris,
      requirePkce: state.requirePkce,
      enabled: state.status === 'active',
      secretHash: event.type === 'ClientSecretRotated' ? event.data.secretHash : held.secretHash,
      allowUserTokens: held.allowUserTokens,
      scopes: held.scopes,
      tokenCutoff: tokenCutoffAfter(cutoff, event),
    });
  }

  private applyUser(event: Recorded<UserEvent>): void {
    const current = this.users.get(event.data.userId);
    const state = userDecider.evolve(current ?? userDecider.initialState, event);
    if (state.status === 'absent') return; // a user this view never saw registered
    const cutoff = event.type === 'UserRegistered' || !current ? -1 : current.tokenCutoff;
    // Field by field, as for clients.
    this.users.set(state.userId, {
      status: state.status,
      userId: state.userId,
      companyId: state.companyId,
      role: state.role,
      firstName: state.firstName,
      lastName: state.lastName,
      agents: state.agents,
      defaultAgentId: state.defaultAgentId,
      chatSettings: state.chatSettings,
      active: state.status === 'active',
      tokenCutoff: tokenCutoffAfter(cutoff, event),
    });
  }
}
