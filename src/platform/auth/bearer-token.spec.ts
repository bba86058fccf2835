import { bearerToken } from './bearer-token';

describe('bearerToken (RFC 6750 §2.1)', () => {
  it('reads the credentials of a Bearer header', () => {
    expect(bearerToken('Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln')).toBe('eyJhbGciOiJFUzI1NiJ9.e30.c2ln');
  });

  it('takes any visible ASCII, as an operator-chosen admin key may have', () => {
    expect(bearerToken('Bearer k3y!with$symbols')).toBe('k3y!with$symbols');
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic d2ViOnNlY3JldA=='],
    ['no credentials', 'Bearer '],
    ['a space inside the credentials', 'Bearer a b'],
    ['credentials beyond 8192 characters', `Bearer ${'a'.repeat(8193)}`],
  ])('finds none with %s', (_, header) => {
    expect(bearerToken(header)).toBeUndefined();
  });

  it('reads credentials of 8192 characters', () => {
    expect(bearerToken(`Bearer ${'a'.repeat(8192)}`)).toHaveLength(8192);
  });
});
