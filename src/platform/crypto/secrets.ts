import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBytesFromPool } from './random-pool';

/**
 * Server-generated secrets carry 256 random bits, so a plain SHA-256 resists guessing as well as a
 * password KDF would and keeps the hot path fast (architecture §4). Only the hash is ever stored.
 */
export function generateSecret(): string {
  return randomBytesFromPool(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(presented));
  const expected = Buffer.from(storedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
