import { webcrypto } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { Signer, SigningKeys } from '../../keys/signing-keys';
import { hashSecret } from '../../platform/crypto/secrets';

type CryptoKey = webcrypto.CryptoKey;

/** The claims this service puts in an access token (architecture §7, RFC 9068 §2.2). */
export interface AccessTokenClaims {
  readonly iss: string;
  /** The user's `userid` for a user token, the client id for a generic one. */
  readonly sub: string;
  readonly aud: string;
  readonly client_id: string;
  /** `<grantId>.<n>`: the grant it belongs to, so revoking the grant ends it. */
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** Space-delimited; `''` for none, which the token itself leaves out (see `AccessTokens.issue`). */
  readonly scope: string;
  readonly company_id: string;
  readonly userid?: string;
  readonly role?: string;
  readonly agents?: readonly string[];
  readonly default_agent?: string | null;
  /** The client's and the user's token cutoffs when issued: a later disable, rotation or revocation ends the token. */
  readonly cutoffs: { readonly client: number; readonly user?: number };
}

export type UnsignedClaims = Omit<AccessTokenClaims, 'iss' | 'aud' | 'iat' | 'exp'>;

/** The claims as the token carries them: no `scope` when there is none. */
type SignedClaims = Omit<AccessTokenClaims, 'scope'> & { readonly scope?: string };

const JWT_TYPE = 'at+jwt';
const ES256 = { name: 'ECDSA', hash: 'SHA-256' };
/** Tokens whose signature was checked, remembered for their next introspection or API call. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies RFC 9068 access tokens: ES256 with the current key's `kid`, `typ: at+jwt`.
 * Verification checks the algorithm, type, key, signature, issuer, audience and expiry; whether the
 * token is still honoured (revocations, disabled clients) is `TokenValidity`'s question.
 *
 * A resource server presents the same token again and again during its life, and an ES256 check is
 * most of an introspection's cost: the claims of tokens already verified are kept (keyed by the
 * token's SHA-256, so no bearer token is held in memory), and a repeat only re-checks what can change
 * for the same bytes — expiry and whether the signing key is still published.
 */
@Injectable()
export class AccessTokens {
  private readonly jwt = new JwtService();
  private readonly verified = new Map<string, { kid: string; claims: AccessTokenClaims }>();
  private readonly signingKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  /**
   * A JWS in compact serialization (RFC 7515 §7.1) over the claims, ES256 (RFC 7518 §3.4: the
   * signature is R || S, 64 bytes, as WebCrypto returns it). Signed through WebCrypto, whose ECDSA
   * runs in libuv's thread pool: the event loop serves other requests meanwhile.
   */
  async issue(claims: UnsignedClaims, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.accessTokenTtlSeconds;
    const signer = this.keys.current(now);
    const header = { alg: 'ES256', typ: JWT_TYPE, kid: signer.kid };
    // RFC 6749 §3.3: a scope is a list of one or more tokens, so an empty one is no `scope` claim.
    const { scope, ...rest } = claims;
    const payload: SignedClaims = {
      ...rest,
      ...(scope ? { scope } : {}),
      iss: this.config.issuer,
      aud: this.config.accessTokenAudience,
      iat,
      exp,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = await webcrypto.subtle.sign(ES256, await this.cryptoKey(signer), Buffer.from(signingInput));
    return {
      token: `${signingInput}.${Buffer.from(signature).toString('base64url')}`,
      expiresAt: new Date(exp * 1000),
    };
  }

  /** Each signing key imported into WebCrypto once. */
  private cryptoKey(signer: Signer): Promise<CryptoKey> {
    let key = this.signingKeys.get(signer.kid);
    if (!key) {
      const pkcs8 = signer.privateKey.export({ format: 'der', type: 'pkcs8' });
      key = webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      this.signingKeys.set(signer.kid, key);
    }
    return key;
  }

  /** The claims of a token this service signed and that has not expired; null for anything else. */
  verify(token: string, now = new Date()): AccessTokenClaims | null {
    const key = hashSecret(token);
    const known = this.verified.get(key);
    if (known) {
      const current = Math.floor(now.getTime() / 1000) < known.claims.exp && this.keys.publicKey(known.kid, now);
      if (current) return known.claims;
      this.verified.delete(key);
      return null;
    }
    const checked = this.verifySignature(token, now);
    if (checked) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(key, checked);
    }
    return checked?.claims ?? null;
  }

  private verifySignature(token: string, now: Date): { kid: string; claims: AccessTokenClaims } | null {
    // Anything malformed is simply not a token of ours: decoding throws on some garbage.
    try {
      const decoded = this.jwt.decode<{ header?: { kid?: unknown; typ?: unknown; alg?: unknown } } | null>(token, {
        complete: true,
      });
      const header = decoded?.header;
      if (!header || header.alg !== 'ES256' || header.typ !== JWT_TYPE || typeof header.kid !== 'string') return null;
      const publicKey = this.keys.publicKey(header.kid);
      if (!publicKey) return null;
      const { scope = '', ...claims } = this.jwt.verify<SignedClaims>(token, {
        algorithms: ['ES256'],
        // jsonwebtoken 9 takes a KeyObject (typed as PEM only): no PEM parsing per request.
        publicKey: publicKey as unknown as string,
        issuer: this.config.issuer,
        audience: this.config.accessTokenAudience,
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
      return { kid: header.kid, claims: { ...claims, scope } };
    } catch {
      return null;
    }
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
