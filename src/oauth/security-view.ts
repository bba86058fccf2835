import { Injectable } from '@nestjs/common';
import { ClientEvent, ClientScope, ClientType } from '../clients/client.decider';
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

/** Events that end every token issued before them, per aggregate. */
const CLIENT_CUTOFFS = new Set(['ClientDisabled', 'ClientSecretRotated', 'ClientTokensRevoked']);
/** A user token carries the role and agents: a change that narrows or alters them ends the old tokens. */
const USER_CUTOFFS = new Set([
  'UserDeactivated',
  'UserTokensRevoked',
  'UserRoleChanged',
  'UserAgentRevoked',
  'UserDefaultAgentSet',
  'UserDefaultAgentCleared',
]);

/**
 * What the OAuth endpoints check on every request, in memory on every instance (DESIGN §5, §9):
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
  private readonly revokedGrants = new Set<string>();

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
      this.revokedGrants.add((recorded.data as Extract<GrantEvent, { type: 'TokenRevoked' }>['data']).grantId);
    } else if (recorded.stream.startsWith('client-')) {
      this.applyClient(recorded as unknown as RecordedEvent & ClientEvent);
    } else if (recorded.stream.startsWith('user-')) {
      this.applyUser(recorded as unknown as RecordedEvent & UserEvent);
    }
  }

  private applyClient(event: RecordedEvent & ClientEvent): void {
    if (event.type === 'ClientRegistered') {
      const { clientId, companyId, type, secretHash, redirectUris, allowUserTokens, scopes } = event.data;
      const record = { clientId, companyId, type, secretHash, redirectUris, allowUserTokens, scopes };
      this.clients.set(clientId, { ...record, enabled: true, tokenCutoff: -1 });
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
