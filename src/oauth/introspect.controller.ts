import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { GetGrant } from '../grants/get-grant.handler';
import { refreshTokenStanding } from '../grants/refresh-token-standing';
import { hashSecret } from '../platform/crypto/secrets';
import { ClientAuthentication } from './client-authentication';
import { OAuthError } from './oauth-error';
import { bodyParameters, requiredParameter } from './parameters';
import { ClientRecord } from './security-view';
import { AccessTokens } from './tokens/access-tokens';
import { grantIdIn } from './tokens/opaque-tokens';
import { TokenValidity } from './tokens/token-validity';

/**
 * A member left undefined is not written, by the route's schema serializer as by `JSON.stringify`:
 * the answers are built as one object literal each, without spreading optional members into them.
 */
type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: Introspection = { active: false };

/**
 * RFC 7662, for enabled confidential clients. Access tokens are answered from memory (signature,
 * expiry, then `TokenValidity`); refresh tokens from their grant stream. Anything expired, revoked,
 * of a disabled client or deactivated user, unknown, or of another company is `{ active: false }`.
 * Served as a plain Fastify route, with its headers and error answers (`oauth-routes.ts`).
 */
@Injectable()
export class IntrospectController {
  constructor(
    private readonly clients: ClientAuthentication,
    private readonly accessTokens: AccessTokens,
    private readonly validity: TokenValidity,
    private readonly queries: QueryBus,
  ) {}

  async introspect(request: FastifyRequest): Promise<Introspection> {
    const parameters = bodyParameters(request.body);
    const { client } = await this.clients.authenticate(request.headers.authorization, parameters);
    if (client.type !== 'confidential')
      throw new OAuthError('unauthorized_client', 'introspection is for confidential clients');
    const token = requiredParameter(parameters, 'token');
    return (await this.accessToken(token, client)) ?? (await this.refreshToken(token, client));
  }

  private async accessToken(token: string, caller: ClientRecord): Promise<Introspection | undefined> {
    const claims = this.accessTokens.verify(token);
    if (!claims) return undefined;
    if (claims.company_id !== caller.companyId || !(await this.validity.isAccessTokenHonoured(claims))) return INACTIVE;
    return {
      active: true,
      token_type: 'Bearer',
      sub: claims.sub,
      client_id: claims.client_id,
      scope: scopeMember(claims.scope),
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      iss: claims.iss,
      aud: claims.aud,
      company_id: claims.company_id,
      userid: claims.userid || undefined,
    };
  }

  private async refreshToken(token: string, caller: ClientRecord): Promise<Introspection> {
    const grantId = grantIdIn(token);
    if (!grantId) return INACTIVE;
    const state = await this.queries.execute(new GetGrant(grantId));
    if (state.status === 'absent') return INACTIVE;
    // Any confidential client of the company may ask (RFC 7662 §2.1): the token is judged as its own client's.
    const presented = { clientId: state.clientId, presentedHash: hashSecret(token), now: new Date().toISOString() };
    if (refreshTokenStanding(state, presented) !== 'live' || state.companyId !== caller.companyId) return INACTIVE;
    if (!(await this.validity.isHonoured({ ...state, cutoffs: state.refreshCutoffs! }))) return INACTIVE;
    return {
      active: true,
      token_type: 'refresh_token',
      sub: state.userId ?? state.clientId,
      client_id: state.clientId,
      scope: scopeMember(state.scope),
      exp: Math.floor(Date.parse(state.refreshExpiresAt!) / 1000),
      company_id: state.companyId,
      userid: state.userId || undefined,
    };
  }
}

/** RFC 7662 §2.2 `scope` is a list of one or more scopes (RFC 6749 §3.3): left out when there is none. */
function scopeMember(scope: string): string | undefined {
  return scope || undefined;
}
