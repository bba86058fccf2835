import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { SigningKeys } from '../../keys/signing-keys';

/** The claims this service puts in an access token (DESIGN §7, RFC 9068 §2.2). */
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

const JWT_TYPE = 'at+jwt';

/**
 * Signs and verifies RFC 9068 access tokens: ES256 with the current key's `kid`, `typ: at+jwt`.
 * Verification checks the algorithm, type, key, signature, issuer, audience and expiry; whether the
 * token is still honoured (revocations, disabled clients) is `TokenValidity`'s question.
 */
@Injectable()
export class AccessTokens {
  private readonly jwt = new JwtService();

  constructor(
    private readonly keys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  issue(claims: UnsignedClaims, now: Date): { token: string; expiresAt: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.config.accessTokenTtlSeconds;
    const signer = this.keys.current(now);
    const token = this.jwt.sign(
      { ...claims, iss: this.config.issuer, aud: this.config.accessTokenAudience, iat, exp },
      { algorithm: 'ES256', privateKey: signer.privateKey, keyid: signer.kid, header: { alg: 'ES256', typ: JWT_TYPE } },
    );
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a token this service signed and that has not expired; null for anything else. */
  verify(token: string): AccessTokenClaims | null {
    // Anything malformed is simply not a token of ours: decoding throws on some garbage.
    try {
      const decoded = this.jwt.decode<{ header?: { kid?: unknown; typ?: unknown; alg?: unknown } } | null>(token, {
        complete: true,
      });
      const header = decoded?.header;
      if (!header || header.alg !== 'ES256' || header.typ !== JWT_TYPE || typeof header.kid !== 'string') return null;
      const publicKey = this.keys.publicKey(header.kid);
      if (!publicKey) return null;
      return this.jwt.verify<AccessTokenClaims>(token, {
        algorithms: ['ES256'],
        // jsonwebtoken 9 takes a KeyObject (typed as PEM only): no PEM parsing per request.
        publicKey: publicKey as unknown as string,
        issuer: this.config.issuer,
        audience: this.config.accessTokenAudience,
      });
    } catch {
      return null;
    }
  }
}
