import { DomainError } from '../platform/domain/domain-error';
import type { Decider } from '../platform/event-store/decide-on-stream';
import { type EcPublicJwk, type SigningKeyEvent, signingKeyEvents } from './signing-key.events';

/**
 * Signing-key rotations (architecture §7): one stream for the whole service, so concurrent rotations on
 * several instances are serialised by the append's expected revision. Events carry public key
 * material and the `kid` only; the private key never leaves the key directory.
 */

export type SigningKeyCommand = {
  type: 'RotateSigningKey';
  /** The RFC 7638 thumbprint of the new key, computed by the caller (no hashing in a decider). */
  kid: string;
  publicJwk: EcPublicJwk;
  activatesAt: string;
  /** The key the new one supersedes: the one signing now. */
  previousKid: string;
  now: string;
};

export interface SigningKeyState {
  readonly kids: ReadonlySet<string>;
  /** The most recent rotation: a second one waits until this key is active. */
  readonly latest?: { readonly kid: string; readonly activatesAt: string };
}

export const SIGNING_KEYS_STREAM = 'signingkeys-main';

/** A P-256 coordinate or a SHA-256 thumbprint: 32 bytes as unpadded base64url (RFC 7515 §2). */
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

function evolve(state: SigningKeyState, event: SigningKeyEvent): SigningKeyState {
  return {
    kids: new Set([...state.kids, event.data.kid]),
    latest: { kid: event.data.kid, activatesAt: event.data.activatesAt },
  };
}

function decide(command: SigningKeyCommand, state: SigningKeyState): SigningKeyEvent[] {
  const { kid, publicJwk, activatesAt, previousKid, now } = command;
  if (!BASE64URL_32_BYTES.test(kid)) {
    throw new DomainError('invalid', 'invalid_kid', 'a kid is a base64url SHA-256 JWK thumbprint (RFC 7638)');
  }
  // Defence in depth: whatever the caller passed, only public members can reach the event.
  if ('d' in publicJwk) {
    throw new DomainError('invalid', 'private_key_material', 'a rotation records public key material only');
  }
  if (publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256' || ![publicJwk.x, publicJwk.y].every(isCoordinate)) {
    throw new DomainError('invalid', 'invalid_public_key', 'an ES256 key is an EC P-256 JWK (RFC 7518 §6.2.1)');
  }
  if (Date.parse(activatesAt) < Date.parse(now)) {
    throw new DomainError('invalid', 'invalid_activation', 'a new key cannot activate before it is created');
  }
  if (state.kids.has(kid)) throw new DomainError('conflict', 'signing_key_exists', `key ${kid} was already rotated in`);
  // One staged key at a time: a later rotation activating first would be superseded by the
  // earlier one when it activates, and the admin would not get the key they asked for.
  if (state.latest && Date.parse(state.latest.activatesAt) > Date.parse(now)) {
    throw new DomainError(
      'conflict',
      'signing_key_rotation_pending',
      `key ${state.latest.kid} is published and activates at ${state.latest.activatesAt}; rotate again after that`,
    );
  }
  const { kty, crv, x, y } = publicJwk;
  return [
    {
      type: 'SigningKeyRotated',
      data: {
        kid,
        publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' },
        activatesAt,
        previousKid,
        rotatedAt: now,
      },
    },
  ];
}

function isCoordinate(value: unknown): boolean {
  return typeof value === 'string' && BASE64URL_32_BYTES.test(value);
}

export const signingKeyDecider: Decider<SigningKeyCommand, SigningKeyEvent, SigningKeyState> = {
  events: signingKeyEvents,
  initialState: { kids: new Set() },
  evolve,
  decide,
};
