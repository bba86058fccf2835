import { Injectable } from '@nestjs/common';
import { ClientEvent, ClientScope, ClientType, pkceRequired } from '../clients/client.decider';
import { RecordedEvent } from '../platform/event-store/event-store';
import { LiveView } from '../platform/projections/live-view';
import { UserEvent, UserRole } from '../users/user.decider';
import { GrantEvent } from '../grants/grant.decider';

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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * How long a revoked grant is remembered: the longest access-token lifetime the configuration
 * allows (24 h), plus five minutes for clocks between instances. No access token issued before a
 * revocation is unexpired by then, and none is issued after it (the grant decider refuses); refresh
 * tokens are checked against the grant's own stream, never this view.
 */
const REVOKED_GRANT_MEMORY_MS = (86_400 + 300) * 1000;

/** Events that end every token issued before them, per aggregate. */
export const CLIENT_CUTOFFS = new Set(['ClientDisabled', 'ClientSecretRotated', 'ClientTokensRevoked']);
/** A user token carries the role and agents: a change that narrows or alters them ends the old tokens. */
export const USER_CUTOFFS = new Set([
  'UserDeactivated',
  'UserTokensRevoked',
  'UserRoleChanged',
  'UserAgentRevoked',
  'UserDefaultAgentSet',
  'UserDefaultAgentCleared',
]);

/**
 * What the OAuth endpoints check on every request, in memory on every instance (architecture §5, §9):
 * clients with their secret hashes and redirect URIs, users with their status, role and agents, and
 * revoked grants. Fed by the live-view subscription, so a disable, deactivation or revocation is
 * enforced here as soon as this instance has seen the event.
 */
@Injectable()
export class SecurityView implements LiveView {
  readonly name = 'security';
  readonly handles = [
    'ClientRegistered',
    'RedirectUriAdded',
    'RedirectUriRemoved',
    'ClientSecretRotated',
    'ClientDisabled',
    'ClientEnabled',
    'ClientTokensRevoked',
    'ClientPkceRequirementChanged',
    'UserRegistered',
    'UserGrantedAgent',
    'UserAgentRevoked',
    'UserDefaultAgentSet',
    'UserDefaultAgentCleared',
    'UserRoleChanged',
    'UserDeactivated',
    'UserReactivated',
    'UserTokensRevoked',
    'TokenRevoked',
  ];

  private readonly clients = new Map<string, ClientRecord>();
  private readonly users = new Map<string, UserRecord>();
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
    if (recorded.type === 'TokenRevoked') {
      const { grantId, revokedAt } = recorded.data as Extract<GrantEvent, { type: 'TokenRevoked' }>['data'];
      this.rememberRevoked(grantId, Date.parse(revokedAt));
    } else if (recorded.stream.startsWith('client-')) {
      this.applyClient(recorded as unknown as RecordedEvent & ClientEvent);
    } else if (recorded.stream.startsWith('user-')) {
      this.applyUser(recorded as unknown as RecordedEvent & UserEvent);
    }
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

  private applyClient(event: RecordedEvent & ClientEvent): void {
    if (event.type === 'ClientRegistered') {
      const { clientId, companyId, type, secretHash, redirectUris, allowUserTokens, scopes } = event.data;
      const record = { clientId, companyId, type, secretHash, redirectUris, allowUserTokens, scopes };
      const requirePkce = pkceRequired(event.data);
      this.clients.set(clientId, { ...record, requirePkce, enabled: true, tokenCutoff: -1 });
      return;
    }
    const current = this.clients.get(event.data.clientId);
    if (!current) return;
    const next: Mutable<ClientRecord> = { ...current };
    if (CLIENT_CUTOFFS.has(event.type)) next.tokenCutoff = event.revision;
    switch (event.type) {
      case 'RedirectUriAdded':
        next.redirectUris = [...current.redirectUris, event.data.uri];
        break;
      case 'RedirectUriRemoved':
        next.redirectUris = current.redirectUris.filter((uri) => uri !== event.data.uri);
        break;
      case 'ClientSecretRotated':
        next.secretHash = event.data.secretHash;
        break;
      case 'ClientDisabled':
        next.enabled = false;
        break;
      case 'ClientEnabled':
        next.enabled = true;
        break;
      case 'ClientPkceRequirementChanged':
        next.requirePkce = event.data.requirePkce;
        break;
    }
    this.clients.set(current.clientId, next);
  }

  private applyUser(event: RecordedEvent & UserEvent): void {
    if (event.type === 'UserRegistered') {
      const { userId, companyId, role } = event.data;
      this.users.set(userId, {
        userId,
        companyId,
        role,
        active: true,
        agents: [],
        defaultAgentId: null,
        tokenCutoff: -1,
      });
      return;
    }
    const current = this.users.get(event.data.userId);
    if (!current) return;
    const next: Mutable<UserRecord> = { ...current };
    if (USER_CUTOFFS.has(event.type)) next.tokenCutoff = event.revision;
    switch (event.type) {
      case 'UserGrantedAgent':
        next.agents = current.agents.includes(event.data.agentId)
          ? current.agents
          : [...current.agents, event.data.agentId];
        break;
      case 'UserAgentRevoked':
        next.agents = current.agents.filter((agentId) => agentId !== event.data.agentId);
        break;
      case 'UserDefaultAgentSet':
        next.defaultAgentId = event.data.agentId;
        break;
      case 'UserDefaultAgentCleared':
        next.defaultAgentId = null;
        break;
      case 'UserRoleChanged':
        next.role = event.data.role;
        break;
      case 'UserDeactivated':
        next.active = false;
        break;
      case 'UserReactivated':
        next.active = true;
        break;
    }
    this.users.set(current.userId, next);
  }
}
