import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { holdsCode } from '../../grants/grant.decider';
import { Grants } from '../../grants/grants';
import { EventMetadata } from '../../platform/event-store/event-store';
import { hashSecret } from '../../platform/crypto/secrets';
import { OAuthError } from '../oauth-error';
import { parameter, RawParameters, requiredParameter } from '../parameters';
import { ClientRecord } from '../security-view';
import { grantIdIn } from '../tokens/opaque-tokens';
import { TokenIssuer, TokenResponse } from '../tokens/token-issuer';
import { assertCodeVerifier } from './pkce';

/**
 * RFC 6749 §4.1.3 (with the AIRisk `userid`, RFC 7636 PKCE): the code, `redirect_uri`, `userid` and
 * `code_verifier` must match what was authorized; the code is spent once, by construction.
 */
@Injectable()
export class AuthorizationCodeGrant {
  constructor(
    private readonly grants: Grants,
    private readonly issuer: TokenIssuer,
  ) {}

  async exchange(
    client: ClientRecord,
    parameters: RawParameters,
    metadata: EventMetadata,
    now: Date,
  ): Promise<TokenResponse> {
    const code = requiredParameter(parameters, 'code');
    const redirectUri = parameter(parameters, 'redirect_uri');
    const userId = parameter(parameters, 'userid') ?? null;
    const verifier = parameter(parameters, 'code_verifier');
    if (verifier !== undefined) assertCodeVerifier(verifier);
    const grantId = grantIdIn(code);
    if (!grantId) throw new OAuthError('invalid_grant', 'the authorization code is not valid');
    const { state } = await this.grants.load(grantId);
    // The code is checked before anything about its grant (or its user) is looked at.
    if (state.status === 'absent' || !holdsCode(state, client.clientId, hashSecret(code))) {
      throw new OAuthError('invalid_grant', 'the authorization code is not valid');
    }
    // Minted before the decision so the event can record the new token's id; discarded if refused.
    const minted = await this.issuer.mint(state, { refresh: true, now });
    await this.grants.execute(
      grantId,
      {
        type: 'RedeemCode',
        grantId,
        codeHash: hashSecret(code),
        clientId: client.clientId,
        redirectUri,
        userId,
        codeVerifierChallenge: verifier === undefined ? null : s256(verifier),
        tokens: minted.issued,
        now: now.toISOString(),
      },
      metadata,
    );
    return this.issuer.response(minted, now);
  }
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
