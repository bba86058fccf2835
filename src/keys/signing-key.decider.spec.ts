import { deciderSpec } from '../../test/support/decider-spec';
import { type SigningKeyCommand, signingKeyDecider } from './signing-key.decider';
import type { EcPublicJwk, SigningKeyEvent } from './signing-key.events';

const now = '2026-11-27T10:00:00.000Z';
const inAnHour = '2026-11-27T11:00:00.000Z';
const kid = (c: string) => c.repeat(43);
const jwk: EcPublicJwk = { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) };

const rotate = (fields: Partial<SigningKeyCommand> = {}): SigningKeyCommand => ({
  type: 'RotateSigningKey',
  kid: kid('B'),
  publicJwk: jwk,
  activatesAt: now,
  previousKid: kid('A'),
  now,
  ...fields,
});

const rotated = (keyId: string, activatesAt: string, rotatedAt = '2026-11-01T00:00:00.000Z'): SigningKeyEvent => ({
  type: 'SigningKeyRotated',
  data: {
    kid: keyId,
    publicJwk: { ...jwk, kid: keyId, alg: 'ES256', use: 'sig' },
    activatesAt,
    previousKid: kid('A'),
    rotatedAt,
  },
});

const { given } = deciderSpec(signingKeyDecider);

describe('signing-key decider', () => {
  it('records a rotation with the public JWK as published, and when it activates', () => {
    given()
      .when(rotate({ activatesAt: inAnHour }))
      .then([
        {
          type: 'SigningKeyRotated',
          data: {
            kid: kid('B'),
            publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: kid('B'), alg: 'ES256', use: 'sig' },
            activatesAt: inAnHour,
            previousKid: kid('A'),
            rotatedAt: now,
          },
        },
      ]);
  });

  it('keeps only public members, whatever else the JWK carries', () => {
    const extended = { ...jwk, kid: 'other', alg: 'ES256', use: 'sig', ext: true } as EcPublicJwk;
    const [event] = given()
      .when(rotate({ publicJwk: extended }))
      .decide();
    expect(Object.keys(event.data.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(event.data.publicJwk.kid).toBe(kid('B'));
  });

  it('refuses private key material', () => {
    const withPrivate = { ...jwk, d: 'd'.repeat(43) } as EcPublicJwk;
    given()
      .when(rotate({ publicJwk: withPrivate }))
      .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'private_key_material' }));
  });

  it.each([
    ['an RSA key', { ...jwk, kty: 'RSA' }, 'invalid_public_key'],
    ['another curve', { ...jwk, crv: 'P-384' }, 'invalid_public_key'],
    ['a short coordinate', { ...jwk, x: 'abc' }, 'invalid_public_key'],
  ])('refuses %s', (_, publicJwk, code) => {
    given()
      .when(rotate({ publicJwk: publicJwk as EcPublicJwk }))
      .thenRefuses(expect.objectContaining({ kind: 'invalid', code }));
  });

  it('refuses a kid that is not a SHA-256 thumbprint', () => {
    given()
      .when(rotate({ kid: '../../etc/passwd' }))
      .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_kid' }));
  });

  it('refuses a key that activates before it is created', () => {
    given()
      .when(rotate({ activatesAt: '2026-11-27T09:59:59.999Z' }))
      .thenRefuses(expect.objectContaining({ kind: 'invalid', code: 'invalid_activation' }));
  });

  it('refuses to rotate in the same key twice', () => {
    given(rotated(kid('B'), '2026-11-01T00:00:00.000Z'))
      .when(rotate())
      .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'signing_key_exists' }));
  });

  it('refuses a second rotation while the previous key is still staged', () => {
    given(rotated(kid('C'), inAnHour, now))
      .when(rotate({ kid: kid('D'), previousKid: kid('A') }))
      .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'signing_key_rotation_pending' }));
  });

  it('rotates again once the previous key is active', () => {
    const events = given(rotated(kid('C'), now))
      .when(rotate({ kid: kid('D'), previousKid: kid('C') }))
      .decide();
    expect(events).toEqual([
      expect.objectContaining({ type: 'SigningKeyRotated', data: expect.objectContaining({ previousKid: kid('C') }) }),
    ]);
  });
});
