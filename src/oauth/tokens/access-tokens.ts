import { sign } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { Signer, SigningKeys } from '../../keys/signing-keys';
import { hashSecret } from '../../platform/crypto/secrets';

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
/**
 * RFC 7518 §3.4: an ES256 signature is R || S, 64 bytes (86 base64url characters), not the DER
 * node:crypto produces and expects by default.
 */
const ES256 = { dsaEncoding: 'ieee-p1363' } as const;
const ES256_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
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
  private readonly verified = new Map<string, { kid: string; claims: AccessTokenClaims }>();
  /** Each key's JOSE header, encoded once: it is the same for every token the key signs. */
  private readonly headers = new Map<string, string>();
  private readonly jwt = new JwtService();

  constructor(
    private readonly keys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  /**
   * A JWS in compact serialization (RFC 7515 §7.1) over the claims, ES256 (RFC 7518 §3.4), signed
   * on the event loop with node:crypto and the key's parsed `KeyObject`: 41–48 µs of CPU a token,
   * against 62–124 µs for WebCrypto (whose thread-pool job costs more CPU than the signature it
   * moves off the loop) and 65–112 µs for jose, which signs through WebCrypto (`bench/signing.mjs`).
   */
  issue(claims: UnsignedClaims, now: Date): { token: string; expiresAt: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.accessTokenTtlSeconds;
    const signer = this.keys.current(now);
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
    const signingInput = `${this.header(signer)}.${base64url(JSON.stringify(payload))}`;
    const signature = this.signature(signingInput, signer);
    return { token: `${signingInput}.${signature.toString('base64url')}`, expiresAt: new Date(exp * 1000) };
  }

  /** The ES256 signature of `signingInput`, R || S (`TracedAccessTokens` puts it in a span). */
  protected signature(signingInput: string, signer: Signer): Buffer {
    return sign('sha256', Buffer.from(signingInput), { key: signer.privateKey, ...ES256 });
  }

  private header(signer: Signer): string {
    let header = this.headers.get(signer.kid);
    if (header === undefined) {
      header = base64url(JSON.stringify({ alg: 'ES256', typ: JWT_TYPE, kid: signer.kid }));
      this.headers.set(signer.kid, header);
    }
    return header;
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

  /**
   * RFC 7515 §5.2 for the one form this service issues, and RFC 9068 §4's checks. What jsonwebtoken
   * (through @nestjs/jwt) does not refuse is checked first: the header names ES256, `at+jwt`, a
   * published key and nothing critical (RFC 7515 §4.1.11: no extension is understood here), and the
   * signature has its one spelling. The signature, `iss`, `aud` and `exp` are then the library's, and
   * an `exp` must be there.
   */
  private verifySignature(token: string, now: Date): { kid: string; claims: AccessTokenClaims } | null {
    const parts = token.split('.');
    if (parts.length !== 3 || !ES256_SIGNATURE.test(parts[2])) return null;
    // One spelling per signature: trailing bits left non-zero would give a second token string.
    if (Buffer.from(parts[2], 'base64url').toString('base64url') !== parts[2]) return null;
    const header = decodePart(parts[0]);
    if (!header || header.alg !== 'ES256' || header.typ !== JWT_TYPE || header.crit !== undefined) return null;
    if (typeof header.kid !== 'string') return null;
    const publicKey = this.keys.publicKey(header.kid, now);
    if (!publicKey) return null;
    try {
      const { scope = '', ...claims } = this.jwt.verify<SignedClaims>(token, {
        algorithms: ['ES256'],
        // jsonwebtoken 9 takes a KeyObject (typed as PEM only): no PEM parsing per request.
        publicKey: publicKey as unknown as string,
        issuer: this.config.issuer,
        audience: this.config.accessTokenAudience,
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
      // jsonwebtoken checks `exp` only when there is one; every token this service signs expires.
      if (typeof claims.exp !== 'number') return null;
      return { kid: header.kid, claims: { ...claims, scope } };
    } catch {
      return null;
    }
  }
}

/** A JOSE header or JWT claims set: a JSON object (RFC 7519 §7.2), or undefined for anything else. */
function decodePart(encoded: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
