import { type DomainEvent, eventCatalogue } from '../platform/event-store/event-catalogue';

/** A signing-key rotation as recorded: public key material and the `kid` only (architecture §7). */

/** An EC P-256 public key as a JWK (RFC 7518 §6.2.1): exactly the members a verifier needs. */
export interface EcPublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** A JWKS entry (RFC 7517 §4): the key plus `kid`, `alg` (RFC 7518 §3.4) and `use`. */
export interface PublishedJwk extends EcPublicJwk {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export type SigningKeyEvent = DomainEvent<
  'SigningKeyRotated',
  { kid: string; publicJwk: PublishedJwk; activatesAt: string; previousKid: string; rotatedAt: string }
>;

export const signingKeyEvents = eventCatalogue<SigningKeyEvent>({
  SigningKeyRotated: { version: 1 },
});
