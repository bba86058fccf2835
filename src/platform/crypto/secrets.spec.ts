import { generateSecret, hashSecret, secretMatches } from './secrets';

describe('secrets', () => {
  it('generates distinct 256-bit secrets and hashes that reveal nothing of them', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(hashSecret(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashSecret(a)).not.toContain(a);
  });

  it('matches only the secret the hash was made from', () => {
    const secret = generateSecret();
    const stored = hashSecret(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(`${secret}x`, stored)).toBe(false);
    expect(secretMatches('', stored)).toBe(false);
    expect(secretMatches(secret, 'sha256:short')).toBe(false);
  });
});
