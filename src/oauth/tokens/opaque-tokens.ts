import { generateSecret } from '../../platform/crypto/secrets';
import { timeOrderedId } from '../../platform/crypto/time-ordered-id';

/** `<grant id>.<256 bits in base64url>`; grant ids are UUIDs, version 7 (version 4 before them). */
const OPAQUE_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

/** Time-ordered, so the store's stream index takes new grants at its end. */
export function newGrantId(): string {
  return timeOrderedId();
}

/**
 * Codes and refresh tokens are `<grantId>.<256 random bits>`: the grant's stream is found without
 * an index, and only the SHA-256 of the whole value is ever recorded.
 */
export function newOpaqueToken(grantId: string): string {
  return `${grantId}.${generateSecret()}`;
}

/** The grant a code or refresh token names, or undefined when it is not one of ours. */
export function grantIdIn(token: string): string | undefined {
  return OPAQUE_TOKEN.exec(token)?.[1];
}
