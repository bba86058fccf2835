import { DomainError } from '../platform/domain/domain-error';

export const MAX_REDIRECT_URI_LENGTH = 2048;
export const MAX_REDIRECT_URIS = 20;

/** RFC 8252 §7.3/§8.3: plain http is acceptable only on the loopback interface. */
const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * A redirect URI as RFC 6749 §3.1.2 and RFC 9700 §4.1 want it: absolute, no fragment, `https`
 * (or loopback `http`), no credentials. It is stored exactly as given and later compared by exact
 * string equality, so nothing is normalised here.
 */
export function assertValidRedirectUri(uri: string): void {
  const refuse = (why: string) => {
    throw new DomainError(
      'invalid',
      'invalid_redirect_uri',
      `redirect URI ${JSON.stringify(uri.slice(0, 100))} ${why}`,
    );
  };
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH)
    refuse(`must have 1 to ${MAX_REDIRECT_URI_LENGTH} characters`);
  if (/[\s\x00-\x1f\x7f]/.test(uri)) refuse('must not contain whitespace or control characters');
  if (uri.includes('#')) refuse('must not contain a fragment (RFC 6749 §3.1.2)');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return refuse('must be an absolute URI');
  }
  if (url.username || url.password) refuse('must not carry credentials');
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)) return;
  refuse('must use https, or http on a loopback host (RFC 8252)');
}

/** The whole list a client may hold: each valid, no duplicates, at most MAX_REDIRECT_URIS. */
export function assertValidRedirectUris(uris: readonly string[]): void {
  if (uris.length > MAX_REDIRECT_URIS) {
    throw new DomainError(
      'invalid',
      'too_many_redirect_uris',
      `a client has at most ${MAX_REDIRECT_URIS} redirect URIs`,
    );
  }
  uris.forEach(assertValidRedirectUri);
  if (new Set(uris).size !== uris.length)
    throw new DomainError('invalid', 'duplicate_redirect_uri', 'redirect URIs must be distinct');
}
