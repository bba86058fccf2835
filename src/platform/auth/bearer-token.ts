/**
 * The credentials of `Authorization: Bearer <credentials>` (RFC 6750 §2.1), or undefined when there
 * is none. Any visible ASCII is taken, bounded, not only RFC 6750's b64token: the admin API key is
 * presented the same way and an operator may choose one outside that alphabet; anything that is not
 * a valid key or token is refused by what checks it.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([\x21-\x7e]{1,8192})$/.exec(authorization ?? '')?.[1];
}
