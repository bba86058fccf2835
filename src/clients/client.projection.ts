import type { RecordedEvent } from '../platform/event-store/event-store';
import {
  applyOnce,
  physicalCollection,
  type Projection,
  type ProjectionWriter,
} from '../platform/projections/projection';
import { clientEvents, type ClientScope, type ClientType, pkceRequired } from './client.events';

/** What admins see of a client. Never the secret, never its hash: those stay in the event stream. */
export type ClientView = {
  readonly id: string;
  readonly companyId: string;
  readonly name: string;
  readonly type: ClientType;
  readonly redirectUris: string[];
  readonly allowUserTokens: boolean;
  readonly scopes: ClientScope[];
  /** Whether the client must use PKCE (RFC 7636): always for public clients. */
  readonly requirePkce: boolean;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly secretRotatedAt: string | null;
  readonly revision: number;
};

export const clientsProjection: Projection = {
  name: 'clients',
  // 2: `requirePkce`, rebuilt from every client's events beside version 1.
  version: 2,
  collections: { clients: [{ fields: ['companyId', 'createdAt', 'id'] }, { fields: ['createdAt', 'id'] }] },
  // Token traffic: none needed, none taken. It handles only its own context's events: a token's events
  // cost it one in-memory type check (live, and in a rebuild of every projection), never a write.
  handles: clientEvents.types,
  critical: false,
  async apply(recorded: RecordedEvent, writer: ProjectionWriter): Promise<void> {
    const event = clientEvents.decode(recorded);
    if (!event) return;
    await applyOnce<ClientView>(writer, 'clients', event.data.clientId, recorded, (current) => {
      if (event.type === 'ClientRegistered') {
        const { clientId, companyId, name, type, redirectUris, allowUserTokens, scopes, registeredAt } = event.data;
        return {
          id: clientId,
          companyId,
          name,
          type,
          redirectUris,
          allowUserTokens,
          scopes,
          requirePkce: pkceRequired(event.data),
          status: 'active',
          createdAt: registeredAt,
          updatedAt: registeredAt,
          secretRotatedAt: null,
        };
      }
      if (!current) return null;
      switch (event.type) {
        case 'RedirectUriAdded':
          return { ...current, redirectUris: [...current.redirectUris, event.data.uri], updatedAt: event.data.addedAt };
        case 'RedirectUriRemoved':
          return {
            ...current,
            redirectUris: current.redirectUris.filter((uri) => uri !== event.data.uri),
            updatedAt: event.data.removedAt,
          };
        case 'ClientSecretRotated':
          return { ...current, secretRotatedAt: event.data.rotatedAt, updatedAt: event.data.rotatedAt };
        case 'ClientDisabled':
          return { ...current, status: 'disabled', updatedAt: event.data.disabledAt };
        case 'ClientEnabled':
          return { ...current, status: 'active', updatedAt: event.data.enabledAt };
        case 'ClientTokensRevoked':
          return current; // nothing shown changes; the revision (the ETag) moves on
        case 'ClientPkceRequirementChanged':
          return { ...current, requirePkce: event.data.requirePkce, updatedAt: event.data.changedAt };
      }
    });
  },
};

export const CLIENTS = physicalCollection(clientsProjection, 'clients');
