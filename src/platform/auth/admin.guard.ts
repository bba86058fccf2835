import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticatedRequest } from './request-context';
import { keyFingerprint } from './admin-api-key';

export class AdminKey {
  constructor(readonly value: string) {}
}

/**
 * `Authorization: Bearer <admin key>`. Both sides are hashed to equal-length digests and compared
 * with `timingSafeEqual`, so neither the key's content nor its length leaks through timing.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;
  private readonly actorId: string;

  constructor(key: AdminKey) {
    this.expected = digest(key.value);
    this.actorId = `api-key:${keyFingerprint(key.value)}`;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer ([\x21-\x7e]{1,1024})$/.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException('a valid admin API key is required: Authorization: Bearer <key>');
    }
    request.actor = { kind: 'admin', id: this.actorId };
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
