import { DomainError } from '../platform/domain/domain-error';

export const MAX_REDIRECT_URI_LENGTH = 2048;
export const MAX_REDIRECT_URIS = 20;

/** RFC 8252 §7.3/§8.3: plain http is acceptable only on the loopback interface. */
const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;
/** RFC 8252 §7.3: loopback IP literals, whose port the client picks at the time of the request. */
const LOOPBACK_IP_LITERALS = /^(127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The parameters an authorization response adds to the redirect URI (RFC 6749 §4.1.2, §4.1.2.1;
 * RFC 9207 `iss`): a redirect URI whose query already has one would deliver it twice, and a client
 * reading the first would read the registered value, not the server's.
 */
const RESPONSE_PARAMETERS: readonly string[] = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

/**
 * A redirect URI as RFC 6749 §3.1.2 and RFC 9700 §4.1 want it: absolute, no fragment, `https`
 * (or loopback `http`), no credentials, no response parameter in its query. It must be written as
 * its WHATWG URL serialization: what is registered is then exactly what the browser is sent to and
 * what exact string comparison sees, and spellings that parsers read differently (`https:evil.example`,
 * backslashes, `http://0x7f.1`, upper-case scheme or host, default ports, dot segments) are refused
 * instead of being stored as one thing and followed as another.
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
  if (url.href !== uri)
    refuse(`must be written as a URL parser serializes it: ${JSON.stringify(url.href.slice(0, 100))}`);
  if (url.username || url.password) refuse('must not carry credentials');
  const reserved = [...new Set(url.searchParams.keys())].filter((name) => RESPONSE_PARAMETERS.includes(name));
  if (reserved.length > 0) refuse(`must not carry response parameters in its query: ${reserved.join(', ')}`);
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

/**
 * Whether a requested redirect URI is one of the registered ones: exact string comparison (RFC 9700
 * §4.1.3), except that an `http` loopback IP literal matches with any port (RFC 8252 §7.3: native
 * apps listen on a port the system gives them at the time of the request). Both must then be written
 * as serialized, so the port is the only difference. `localhost` keeps exact matching: RFC 8252 §8.3
 * advises against it, as the name may resolve to other than the loopback interface, where another
 * program could be listening on the port a request names.
 */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const anyPort = withoutLoopbackPort(requested);
  return anyPort !== undefined && registered.some((uri) => withoutLoopbackPort(uri) === anyPort);
}

/** A serialized `http` loopback IP literal URI with its port taken out; undefined for any other string. */
function withoutLoopbackPort(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.href !== uri || url.protocol !== 'http:' || !LOOPBACK_IP_LITERALS.test(url.hostname)) return undefined;
  url.port = '';
  return url.href;
}
