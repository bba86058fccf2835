import { Injectable } from '@nestjs/common';
import { secretMatches } from '../platform/crypto/secrets';
import { LiveViewRunner } from '../platform/projections/live-view-runner';
import { OAuthError } from './oauth-error';
import { parameter, RawParameters } from './parameters';
import { ClientRecord, SecurityView } from './security-view';
import { CATCH_UP_WAIT_MS } from './tokens/token-validity';

export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

const BAD_CREDENTIALS = 'client authentication failed';

/**
 * RFC 6749 §2.3: `client_secret_basic` (HTTP Basic, id and secret form-urlencoded first, §2.3.1)
 * or `client_secret_post` (body), never both; public clients identify themselves with `client_id`
 * alone. Unknown client, wrong secret and disabled client all answer the same `invalid_client`, and
 * the secret comparison takes constant time.
 */
@Injectable()
export class ClientAuthentication {
  constructor(
    private readonly view: SecurityView,
    private readonly liveViews: LiveViewRunner,
  ) {}

  /**
   * `anonymous` says how a request naming no client at all is refused: the AIRisk token endpoint
   * treats it as a missing parameter (400); introspection and revocation require authentication (401).
   */
  async authenticate(
    authorization: string | undefined,
    body: RawParameters,
    anonymous: 'invalid_request' | 'invalid_client' = 'invalid_client',
  ): Promise<AuthenticatedClient> {
    try {
      return this.authenticateNow(authorization, body, anonymous);
    } catch (error) {
      // An unknown client or secret may be news from another instance sharing the store (a client
      // registered, a secret rotated a moment ago): decide again once this view has caught up.
      if (!(error instanceof OAuthError) || error.error !== 'invalid_client') throw error;
      if (!(await this.liveViews.reachStoreHead(CATCH_UP_WAIT_MS))) throw error;
      return this.authenticateNow(authorization, body, anonymous);
    }
  }

  /** The same decision on the view as it stands, without waiting for it to catch up. */
  authenticateNow(
    authorization: string | undefined,
    body: RawParameters,
    anonymous: 'invalid_request' | 'invalid_client' = 'invalid_client',
  ): AuthenticatedClient {
    // Fail closed: a view that is not live may not know of a disable or a secret rotation yet.
    if (!this.liveViews.isLive())
      throw new OAuthError('temporarily_unavailable', 'the server is catching up; retry shortly');
    const basic = basicCredentials(authorization);
    const bodyId = parameter(body, 'client_id');
    const bodySecret = parameter(body, 'client_secret');
    if (basic && bodySecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not Basic and client_secret both');
    }
    if (basic && bodyId !== undefined && bodyId !== basic.clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic credentials');
    }
    const clientId = basic?.clientId ?? bodyId;
    if (clientId === undefined) throw new OAuthError(anonymous, 'client authentication is required (client_id)');
    const secret = basic?.secret ?? bodySecret;
    const client = this.view.client(clientId);
    if (!client || !client.enabled) throw new OAuthError('invalid_client', BAD_CREDENTIALS);
    if (client.type === 'public') {
      if (secret !== undefined) throw new OAuthError('invalid_client', BAD_CREDENTIALS);
      return { client, method: 'none' };
    }
    if (secret === undefined || !client.secretHash || !secretMatches(secret, client.secretHash)) {
      throw new OAuthError('invalid_client', BAD_CREDENTIALS);
    }
    return { client, method: basic ? 'client_secret_basic' : 'client_secret_post' };
  }
}

function basicCredentials(authorization: string | undefined): { clientId: string; secret: string } | undefined {
  if (!authorization || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic credentials');
  try {
    return { clientId: decodeForm(decoded.slice(0, colon)), secret: decodeForm(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_client', 'malformed Basic credentials');
  }
}

/** application/x-www-form-urlencoded decoding (RFC 6749 §2.3.1, Appendix B). */
function decodeForm(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
