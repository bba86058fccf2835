import { OAuthError } from '../oauth-error';

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2: an S256 challenge is a base64url SHA-256, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function assertCodeVerifier(verifier: string): void {
  if (!CODE_VERIFIER.test(verifier))
    throw new OAuthError('invalid_request', 'code_verifier is malformed (RFC 7636 §4.1)');
}

export function isS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}
