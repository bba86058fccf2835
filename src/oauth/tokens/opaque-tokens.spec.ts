import { grantIdIn, newGrantId, newOpaqueToken } from './opaque-tokens';

describe('grantIdIn', () => {
  const uuid = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
  const random43 = 'A'.repeat(21) + '-_' + 'z'.repeat(20);

  it('finds the grant in <uuid v4>.<43 base64url characters>', () => {
    expect(random43).toHaveLength(43);
    expect(grantIdIn(`${uuid}.${random43}`)).toBe(uuid);
  });

  it('finds the grant in the tokens it mints', () => {
    const grantId = newGrantId();
    const token = newOpaqueToken(grantId);
    expect(grantIdIn(token)).toBe(grantId);
    expect(newOpaqueToken(grantId)).not.toBe(token);
  });

  it.each([
    ['an empty string', ''],
    ['no dot', `${uuid}${random43}`],
    ['no grant before the dot', `.${random43}`],
    ['a bare uuid', uuid],
    ['a uuid and a dot', `${uuid}.`],
    ['42 characters after the dot', `${uuid}.${random43.slice(1)}`],
    ['44 characters after the dot', `${uuid}.${random43}x`],
    ['an upper-case uuid', `${uuid.toUpperCase()}.${random43}`],
    ['a version-1 uuid', `3f1c2a4e-5b6d-1e7f-8a9b-0c1d2e3f4a5b.${random43}`],
    ['a uuid with the wrong variant', `3f1c2a4e-5b6d-4e7f-7a9b-0c1d2e3f4a5b.${random43}`],
    ['a uuid without hyphens', `3f1c2a4e5b6d4e7f8a9b0c1d2e3f4a5b.${random43}`],
    ['something before the uuid', `x${uuid}.${random43}`],
    ['a JWT-like value', `eyJhbGciOiJFUzI1NiJ9.${random43}`],
    ['43 characters outside base64url', `${uuid}.${'!'.repeat(43)}`],
    ['a second dot in the tail', `${uuid}.${random43.slice(0, 20)}.${random43.slice(21)}`],
  ])('refuses %s', (_, token) => {
    expect(grantIdIn(token)).toBeUndefined();
  });
});
