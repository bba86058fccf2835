import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { keyFingerprint, resolveFingerprintSecret } from './admin-api-key';
import { bearerToken } from './bearer-token';
import { AuthenticatedRequest } from './request-context';

export class AdminKey {
  constructor(readonly value: string) {}
}

/** The holder of a client access token presented to an admin-side route. */
export interface TokenHolder {
  readonly clientId: string;
  readonly companyId: string;
  readonly scopes: readonly string[];
}

/**
 * Verifies a generic (client) access token: signature, expiry, revocation. Provided by the OAuth
 * module; the platform only knows this shape.
 */
export abstract class AdminTokenVerifier {
  abstract verify(token: string): Promise<TokenHolder | null>;
}

/**
 * The platform administrator, `Authorization: Bearer <admin key>` (both sides hashed to
 * equal-length digests and compared with `timingSafeEqual`, so neither the key's content nor its
 * length leaks through timing), or a client token carrying `scope`, confined to the client's own
 * company (`companyScope`).
 */
abstract class BearerGuard implements CanActivate {
  private readonly expected: Buffer;
  private readonly actorId: string;
  private tokens: AdminTokenVerifier | null | undefined;

  constructor(
    key: AdminKey,
    config: AppConfig,
    private readonly modules: ModuleRef,
    private readonly scope: string,
  ) {
    this.expected = digest(key.value);
    this.actorId = `api-key:${keyFingerprint(key.value, resolveFingerprintSecret(config))}`;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = bearerToken(request.headers.authorization);
    if (bearer !== undefined && timingSafeEqual(digest(bearer), this.expected)) {
      request.actor = { kind: 'admin', id: this.actorId };
      return true;
    }
    const holder = bearer === undefined ? null : await this.tokenVerifier()?.verify(bearer);
    if (!holder || !holder.scopes.includes(this.scope)) {
      throw new UnauthorizedException(
        `the admin API key, or an access token with the ${this.scope} scope, is required`,
      );
    }
    request.actor = { kind: 'client', id: holder.clientId };
    request.companyScope = holder.companyId;
    request.heldScopes = holder.scopes;
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

/** Admin routes: the platform administrator, or a company administrator (`admin` scope). */
@Injectable()
export class AdminGuard extends BearerGuard {
  constructor(key: AdminKey, config: AppConfig, modules: ModuleRef) {
    super(key, config, modules, 'admin');
  }
}

/** Audit routes: the platform administrator, or a company's compliance reviewer (`audit:read` scope). */
@Injectable()
export class AuditGuard extends BearerGuard {
  constructor(key: AdminKey, config: AppConfig, modules: ModuleRef) {
    super(key, config, modules, 'audit:read');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
