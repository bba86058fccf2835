import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import {
  CLIENT_SCOPES,
  type ClientEvent,
  clientEvents,
  type ClientRegistration,
  type ClientType,
  pkceRequired,
} from './client.events';
import { assertValidRedirectUri, assertValidRedirectUris, MAX_REDIRECT_URIS } from './redirect-uri';

/** The Client aggregate: an AIRisk APIUser, i.e. an OAuth client of one company. */

// Re-exported for the code outside this context that knows a client through its decider (the OAuth code).

export const MAX_CLIENT_NAME_LENGTH = 200;

export type ClientCommand =
  | ({ type: 'RegisterClient'; clientType: ClientType; now: string } & Omit<
      ClientRegistration,
      'registeredAt' | 'type'
    >)
  | { type: 'AddRedirectUri'; clientId: string; uri: string; now: string }
  | { type: 'RemoveRedirectUri'; clientId: string; uri: string; now: string }
  | { type: 'RotateClientSecret'; clientId: string; secretHash: string; now: string }
  | { type: 'DisableClient'; clientId: string; now: string }
  | { type: 'EnableClient'; clientId: string; now: string }
  | { type: 'RevokeClientTokens'; clientId: string; now: string }
  | { type: 'SetPkceRequirement'; clientId: string; requirePkce: boolean; now: string };

export type ClientState =
  | { status: 'absent' }
  | {
      status: 'active' | 'disabled';
      clientId: string;
      companyId: string;
      type: ClientType;
      redirectUris: string[];
      requirePkce: boolean;
    };

export const clientStream = (clientId: string) => `client-${clientId}`;

function evolve(state: ClientState, event: ClientEvent): ClientState {
  if (event.type === 'ClientRegistered') {
    const { clientId, companyId, type, redirectUris } = event.data;
    return { status: 'active', clientId, companyId, type, redirectUris, requirePkce: pkceRequired(event.data) };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'RedirectUriAdded':
      return { ...state, redirectUris: [...state.redirectUris, event.data.uri] };
    case 'RedirectUriRemoved':
      return { ...state, redirectUris: state.redirectUris.filter((uri) => uri !== event.data.uri) };
    case 'ClientSecretRotated':
      return state;
    case 'ClientDisabled':
      return { ...state, status: 'disabled' };
    case 'ClientEnabled':
      return { ...state, status: 'active' };
    case 'ClientTokensRevoked':
      return state;
    case 'ClientPkceRequirementChanged':
      return { ...state, requirePkce: event.data.requirePkce };
  }
}

function decide(command: ClientCommand, state: ClientState): ClientEvent[] {
  if (command.type === 'RegisterClient') {
    if (state.status !== 'absent')
      throw new DomainError('conflict', 'client_exists', `client ${command.clientId} already exists`);
    return [{ type: 'ClientRegistered', data: registration(command) }];
  }
  if (state.status === 'absent')
    throw new DomainError('not_found', 'client_not_found', `no client ${command.clientId}`);
  const { clientId } = state;
  switch (command.type) {
    case 'AddRedirectUri':
      assertValidRedirectUri(command.uri);
      if (state.redirectUris.includes(command.uri)) {
        throw new DomainError('conflict', 'redirect_uri_exists', 'the client already has this redirect URI');
      }
      if (state.redirectUris.length >= MAX_REDIRECT_URIS) {
        throw new DomainError(
          'conflict',
          'too_many_redirect_uris',
          `a client has at most ${MAX_REDIRECT_URIS} redirect URIs`,
        );
      }
      return [{ type: 'RedirectUriAdded', data: { clientId, uri: command.uri, addedAt: command.now } }];
    case 'RemoveRedirectUri':
      if (!state.redirectUris.includes(command.uri)) {
        throw new DomainError('not_found', 'redirect_uri_not_found', 'the client has no such redirect URI');
      }
      return [{ type: 'RedirectUriRemoved', data: { clientId, uri: command.uri, removedAt: command.now } }];
    case 'RotateClientSecret':
      if (state.type === 'public')
        throw new DomainError('conflict', 'public_client', 'a public client has no secret to rotate');
      return [
        { type: 'ClientSecretRotated', data: { clientId, secretHash: command.secretHash, rotatedAt: command.now } },
      ];
    case 'DisableClient':
      return state.status === 'disabled'
        ? []
        : [{ type: 'ClientDisabled', data: { clientId, disabledAt: command.now } }];
    case 'EnableClient':
      return state.status === 'active' ? [] : [{ type: 'ClientEnabled', data: { clientId, enabledAt: command.now } }];
    case 'RevokeClientTokens':
      return [{ type: 'ClientTokensRevoked', data: { clientId, revokedAt: command.now } }];
    case 'SetPkceRequirement':
      if (state.type === 'public' && !command.requirePkce) {
        throw new DomainError('conflict', 'public_client', 'a public client always uses PKCE (RFC 9700 §2.1.1)');
      }
      if (state.requirePkce === command.requirePkce) return [];
      return [
        {
          type: 'ClientPkceRequirementChanged',
          data: { clientId, requirePkce: command.requirePkce, changedAt: command.now },
        },
      ];
  }
}

function registration(command: Extract<ClientCommand, { type: 'RegisterClient' }>): ClientRegistration {
  const name = command.name.trim();
  if (name.length === 0 || name.length > MAX_CLIENT_NAME_LENGTH) {
    throw new DomainError(
      'invalid',
      'invalid_client_name',
      `a client name has 1 to ${MAX_CLIENT_NAME_LENGTH} characters`,
    );
  }
  assertValidRedirectUris(command.redirectUris);
  const unknown = command.scopes.filter((scope) => !CLIENT_SCOPES.includes(scope));
  if (unknown.length > 0) throw new DomainError('invalid', 'invalid_scope', `unknown scopes: ${unknown.join(', ')}`);
  // Anyone can act as a public client (its id is no secret, and AIRisk has no login step), so it may
  // hold neither admin scopes nor user tokens: those need a client that authenticates.
  if (command.clientType === 'public' && (command.scopes.length > 0 || command.allowUserTokens)) {
    throw new DomainError(
      'invalid',
      'public_client_privileges',
      'a public client can have neither scopes nor user tokens: anyone knowing its id could use them',
    );
  }
  // RFC 6749 §2.1: a public client cannot keep a secret, so it gets none; a confidential one must have one.
  if ((command.clientType === 'public') !== (command.secretHash === null)) {
    throw new DomainError(
      'invalid',
      'invalid_client_secret',
      'confidential clients have a secret, public clients none',
    );
  }
  return {
    clientId: command.clientId,
    companyId: command.companyId,
    name,
    type: command.clientType,
    redirectUris: [...command.redirectUris],
    allowUserTokens: command.allowUserTokens,
    scopes: [...new Set(command.scopes)],
    secretHash: command.secretHash,
    // Public clients always use PKCE, whatever was asked (RFC 9700 §2.1.1).
    requirePkce: command.clientType === 'public' || command.requirePkce === true,
    registeredAt: command.now,
  };
}

export const clientDecider: Decider<ClientCommand, ClientEvent, ClientState> = {
  events: clientEvents,
  initialState: { status: 'absent' },
  evolve,
  decide,
};
