import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Grants } from '../../grants/grants';
import { EventMetadata } from '../../platform/event-store/event-store';
import { hashSecret } from '../../platform/crypto/secrets';
import { redirectUriHash, SealedCodes } from '../authorize/sealed-codes';
import { OAuthError } from '../oauth-error';
import { parameter, RawParameters, requiredParameter } from '../parameters';
import { ClientRecord } from '../security-view';
import { TokenIssuer, TokenResponse } from '../tokens/token-issuer';
import { assertCodeVerifier } from './pkce';

/**
 * RFC 6749 §4.1.3 (with the AIRisk `userid`, RFC 7636 PKCE): the code, `redirect_uri`, `userid` and
 * `code_verifier` must match what was authorized; the code is spent once, by construction.
 */
@Injectable()
export class AuthorizationCodeGrant {
  constructor(
    private readonly codes: SealedCodes,
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
    // Authenticated decryption first: nothing about a code that was not issued here is looked at,
    // and another client's code is refused before a token is signed for it.
    const binding = this.codes.open(code);
    if (!binding || binding.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'the authorization code is not valid');
    }
    // Minted before the decision so the event can record the new token's id; discarded if refused.
    const minted = await this.issuer.mint(binding, { refresh: true, now });
    await this.grants.redeemCode(
      binding.grantId,
      {
        type: 'RedeemCode',
        code: binding,
        codeHash: hashSecret(code),
        clientId: client.clientId,
        redirectUri,
        redirectUriHash: redirectUri === undefined ? null : redirectUriHash(redirectUri),
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
