import { OAuthError } from '../oauth-error';

/**
 * RFC 6749 §3.3: a space-delimited list. Every requested scope must be among `allowed`; the
 * answer is the normalised list (deduplicated, in request order).
 */
export function scopeWithin(requested: string | undefined, allowed: readonly string[]): string {
  const scopes = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  const refused = scopes.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) throw new OAuthError('invalid_scope', `scope not allowed: ${refused.join(' ')}`);
  return scopes.join(' ');
}
