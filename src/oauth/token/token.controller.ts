import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { eventMetadata } from '../../platform/auth/request-context';
import { Metrics } from '../../platform/metrics/metrics';
import { ClientAuthentication } from '../client-authentication';
import { clientContext } from '../client-context';
import { OAuthError } from '../oauth-error';
import { bodyParameters, parameter } from '../parameters';
import { TokenResponse } from '../tokens/token-issuer';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { RefreshTokenGrant } from './refresh-token.grant';

/**
 * The token endpoint (RFC 6749 §3.2), form or JSON body (AIRisk sends both), reachable as
 * `/api/oauth2/Token` too. Without `grant_type`, a request carrying a `code` is an
 * `authorization_code` request: that is how the AIRisk examples call it. Served as a plain Fastify
 * route, with its headers and error answers (`oauth-routes.ts`).
 */
@Injectable()
export class TokenController {
  constructor(
    private readonly clients: ClientAuthentication,
    private readonly authorizationCode: AuthorizationCodeGrant,
    private readonly refreshToken: RefreshTokenGrant,
    private readonly clientCredentials: ClientCredentialsGrant,
    private readonly metrics: Metrics,
  ) {}

  async token(request: FastifyRequest): Promise<TokenResponse> {
    const parameters = bodyParameters(request.body);
    const grantType =
      parameter(parameters, 'grant_type') ?? (parameter(parameters, 'code') ? 'authorization_code' : undefined);
    // The AIRisk contract: a missing client_id is a missing parameter (400), an unknown client a 401.
    const authenticated = await this.clients.authenticate(request.headers.authorization, parameters, 'invalid_request');
    const { client } = authenticated;
    const now = new Date();
    const metadata = eventMetadata(clientContext(request, authenticated), now, client.companyId);
    let answer: TokenResponse;
    switch (grantType) {
      case 'authorization_code':
        answer = await this.authorizationCode.exchange(client, parameters, metadata, now);
        break;
      case 'refresh_token':
        answer = await this.refreshToken.exchange(client, parameters, metadata, now);
        break;
      case 'client_credentials':
        answer = await this.clientCredentials.exchange(client, parameters, metadata, now);
        break;
      case undefined:
        throw new OAuthError('invalid_request', 'grant_type is required');
      default:
        throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    this.metrics.tokenIssued(grantType);
    return answer;
  }
}
