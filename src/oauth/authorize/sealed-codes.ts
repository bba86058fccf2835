import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CodeBinding } from '../../grants/grant.decider';
import { CodeSealingKey } from '../../keys/code-sealing-key';
import { randomBytesFromPool } from '../../platform/crypto/random-pool';

/** Tells a code from every other token of the service, and names the sealing format. */
const PREFIX = 'ac1.';
/** Bound into every seal: a ciphertext made for another purpose with the same key never opens as a code. */
const ASSOCIATED_DATA = Buffer.from('airisk-identity authorization code v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far above any real code (a few hundred characters): anything longer is refused before any work. */
const MAX_CODE_LENGTH = 4_096;

/**
 * Authorization codes that hold their own binding (RFC 6749 §4.1.2: "the authorization code MUST
 * be short lived and single use"), sealed with AES-256-GCM under the service's `CodeSealingKey`:
 * confidential (the user id and scope are not readable from the redirect), and authenticated, so
 * a code that was not issued here, or was altered by one bit, does not open. Issuing one writes
 * nothing; single use is the grant stream's, created with "no stream" when the code is redeemed.
 * Each seal draws a fresh 96-bit IV at random: at far below 2^32 codes per key, repeats are out of
 * reach (NIST SP 800-38D §8.3).
 */
@Injectable()
export class SealedCodes {
  constructor(private readonly sealingKey: CodeSealingKey) {}

  seal(binding: CodeBinding): string {
    const iv = randomBytesFromPool(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealingKey.key, iv).setAAD(ASSOCIATED_DATA);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(binding), 'utf8'), cipher.final()]);
    return `${PREFIX}${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The binding of a code sealed here and intact, or undefined for anything else. */
  open(code: string): CodeBinding | undefined {
    if (!code.startsWith(PREFIX) || code.length > MAX_CODE_LENGTH) return undefined;
    const text = code.slice(PREFIX.length);
    const bytes = Buffer.from(text, 'base64url');
    // One spelling per code: the decoder skips stray characters (`<code>x` decodes like `<code>`), and
    // a replay in another spelling would carry another hash and escape reuse detection.
    if (bytes.length <= IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== text) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealingKey.key, bytes.subarray(0, IV_BYTES))
        .setAAD(ASSOCIATED_DATA)
        .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as CodeBinding;
    } catch {
      return undefined; // the tag did not verify: not ours, or altered
    }
  }
}

/** What a code binds a redirect URI by: its SHA-256, compared with the token request's exact string. */
export function redirectUriHash(redirectUri: string): string {
  return createHash('sha256').update(redirectUri, 'utf8').digest('base64url');
}
