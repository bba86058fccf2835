import { createHash, type KeyObject } from 'node:crypto';
import type { EcPublicJwk } from './signing-key.events';

/** A P-256 public key as a JWK (RFC 7518 §6.2.1): never `d`, since only a public key is exported. */
export function ecPublicJwk(publicKey: KeyObject): EcPublicJwk {
  if (publicKey.type !== 'public') throw new Error('ecPublicJwk takes a public key');
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y) throw new Error('not an EC P-256 key');
  return { kty, crv, x, y };
}

/**
 * RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace
 * (§3.2; for EC: crv, kty, x, y), base64url without padding. The same key always gets the same
 * `kid`, on every instance, with no registry of names.
 */
export function jwkThumbprint(jwk: EcPublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}
