import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { GrantRefusal } from '../../grants/grant-refusal';
import { RedeemCode } from '../../grants/redeem-code.handler';
import { EventMetadata } from '../../platform/event-store/event-store';
import { hashSecret } from '../../platform/crypto/secrets';
import { redirectUriHash, SealedCodes } from '../authorize/sealed-codes';
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
    private readonly commands: CommandBus,
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
    // Authenticated decryption: nothing about a code that was not issued here is looked at. What it
    // binds (redirect URI, user, challenge, expiry) is the grant decider's to check. Its client is
    // also checked here, before minting: nothing is signed for another client's code, and minting's
    // own refusals (an inactive user) would tell that client about a user it was never given.
    const binding = this.codes.open(code);
    if (!binding || binding.clientId !== client.clientId) throw new GrantRefusal('code_invalid');
    // Minted before the decision so the event can record the new token's id; discarded if refused.
    const minted = this.issuer.mint(binding, { refresh: true, now });
    await this.commands.execute(
      new RedeemCode(
        {
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
      ),
    );
    return this.issuer.response(minted, now);
  }
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
