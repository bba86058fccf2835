import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { keyFingerprint } from './admin-api-key';
import { AuthenticatedRequest } from './request-context';

export class AdminKey {
  constructor(readonly value: string) {}
}

/** A company-scoped admin: the client and company of an access token carrying the `admin` scope. */
export interface ScopedAdmin {
  readonly clientId: string;
  readonly companyId: string;
}

/**
 * Verifies an access token for the admin routes (signature, expiry, revocation, `admin` scope).
 * Provided by the OAuth module; the platform only knows this shape.
 */
export abstract class AdminTokenVerifier {
  abstract verify(token: string): ScopedAdmin | null;
}

/**
 * Two kinds of admin: the platform administrator, `Authorization: Bearer <admin key>` (both sides
 * hashed to equal-length digests and compared with `timingSafeEqual`, so neither the key's content
 * nor its length leaks through timing), and a company administrator, a client's access token with
 * the `admin` scope, confined to its own company (`companyScope`).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;
  private readonly actorId: string;
  private tokens: AdminTokenVerifier | null | undefined;

  constructor(
    key: AdminKey,
    private readonly modules: ModuleRef,
  ) {
    this.expected = digest(key.value);
    this.actorId = `api-key:${keyFingerprint(key.value)}`;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && timingSafeEqual(digest(bearer), this.expected)) {
      request.actor = { kind: 'admin', id: this.actorId };
      return true;
    }
    const scoped = bearer === undefined ? null : this.tokenVerifier()?.verify(bearer);
    if (!scoped) {
      throw new UnauthorizedException('a valid admin API key, or an access token with the admin scope, is required');
    }
    request.actor = { kind: 'client', id: scoped.clientId };
    request.companyScope = scoped.companyId;
    return true;
  }

  /** Resolved on first use: the OAuth module registers it after the platform is built. */
  private tokenVerifier(): AdminTokenVerifier | null {
    if (this.tokens === undefined) {
      try {
        this.tokens = this.modules.get(AdminTokenVerifier, { strict: false });
      } catch {
        this.tokens = null;
      }
    }
    return this.tokens ?? null;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
