import type { AppConfig } from '../../config/app-config';
import type { Signer, SigningKeys } from '../../keys/signing-keys';
import type { Tracing } from '../../platform/tracing/tracing';
import { AccessTokens } from './access-tokens';

/**
 * Access tokens whose signature is a span of its own (`sign access token`, with the key's `kid`):
 * the one step of issuance that is pure CPU. Provided instead of `AccessTokens` only when traces are
 * exported, so the untraced hot path carries no wrapper at all.
 */
export class TracedAccessTokens extends AccessTokens {
  constructor(
    keys: SigningKeys,
    config: AppConfig,
    private readonly tracing: Tracing,
  ) {
    super(keys, config);
  }

  protected override signature(signingInput: string, signer: Signer): Buffer {
    return this.tracing.span('sign access token', { 'airisk.key.kid': signer.kid }, () =>
      super.signature(signingInput, signer),
    );
  }
}

/** `AccessTokens`, traced when `tracing` is on. */
export function accessTokens(keys: SigningKeys, config: AppConfig, tracing: Tracing | undefined): AccessTokens {
  return tracing ? new TracedAccessTokens(keys, config, tracing) : new AccessTokens(keys, config);
}
