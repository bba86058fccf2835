import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IssueClientCredentialsToken } from '../../grants/issue-client-credentials-token.handler';
import { EventMetadata } from '../../platform/event-store/event-store';
import { OAuthError } from '../oauth-error';
import { parameter, RawParameters } from '../parameters';
import { ClientRecord } from '../security-view';
import { newGrantId } from '../tokens/opaque-tokens';
import { TokenIssuer, TokenResponse } from '../tokens/token-issuer';
import { scopeWithin } from './scope';

/**
 * RFC 6749 §4.4: a generic token for a confidential client, no browser and no refresh token
 * (§4.4.3), `scope` limited to the client's. Each issuance is a grant stream of its own.
 */
@Injectable()
export class ClientCredentialsGrant {
  constructor(
    private readonly commands: CommandBus,
    private readonly issuer: TokenIssuer,
  ) {}

  async exchange(
    client: ClientRecord,
    parameters: RawParameters,
    metadata: EventMetadata,
    now: Date,
  ): Promise<TokenResponse> {
    if (client.type !== 'confidential') {
      throw new OAuthError('unauthorized_client', 'client_credentials is for confidential clients');
    }
    const scope = scopeWithin(parameter(parameters, 'scope'), client.scopes);
    const subject = {
      grantId: newGrantId(),
      clientId: client.clientId,
      companyId: client.companyId,
      userId: null,
      scope,
    };
    const minted = this.issuer.mint(subject, { refresh: false, now });
    await this.commands.execute(
      new IssueClientCredentialsToken({ ...subject, tokens: minted.issued, now: now.toISOString() }, metadata),
    );
    return this.issuer.response(minted, now);
  }
}
