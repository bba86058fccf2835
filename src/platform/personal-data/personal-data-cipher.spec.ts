import { createSecretKey, randomBytes } from 'node:crypto';
import {
  ERASED,
  newDataKey,
  openValue,
  PersonalDataIntegrityError,
  sealValue,
  unwrapKey,
  wrapKey,
} from './personal-data-cipher';

describe('the personal-data cipher', () => {
  const key = newDataKey();
  const place = { stream: 'user-ada', field: 'data.email', subject: 'ada' };
  const sealed = sealValue(key, place, 'ada@example.com');
  /** The same sealed string with one base64url character of part `index` changed. */
  const tampered = (index: number) => {
    const parts = sealed.sealed.split('.');
    const part = parts[index];
    parts[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
    return { sealed: parts.join('.') };
  };

  it('opens what it sealed, in its place, with its key', () => {
    expect(sealed.sealed).toMatch(/^v1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed.sealed).not.toContain('ada');
    expect(openValue(key, place, sealed)).toBe('ada@example.com');
  });

  it('seals the same value differently every time (a fresh IV)', () => {
    expect(sealValue(key, place, 'ada@example.com').sealed).not.toBe(sealed.sealed);
  });

  it.each([
    ['another stream', { ...place, stream: 'user-bob' }],
    ['another field', { ...place, field: 'data.firstName' }],
    ['another subject', { ...place, subject: 'bob' }],
  ])('refuses a value moved to %s', (_, elsewhere) => {
    expect(() => openValue(key, elsewhere, sealed)).toThrow(PersonalDataIntegrityError);
  });

  it.each([
    ['IV', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a value whose %s was altered', (_, index) => {
    expect(() => openValue(key, place, tampered(index))).toThrow(PersonalDataIntegrityError);
  });

  it('refuses a value opened with a different key that claims the same id', () => {
    const impostor = { id: key.id, key: createSecretKey(randomBytes(32)) };
    expect(() => openValue(impostor, place, sealed)).toThrow(PersonalDataIntegrityError);
  });

  it('reads as [erased] once the key that sealed it is gone, or replaced by a new one', () => {
    expect(openValue(undefined, place, sealed)).toBe(ERASED);
    expect(openValue(newDataKey(), place, sealed)).toBe(ERASED);
  });

  it('refuses what is not a sealed value of this version', () => {
    expect(() => openValue(key, place, { sealed: 'ada@example.com' })).toThrow(PersonalDataIntegrityError);
    expect(() => openValue(key, place, { sealed: `v2${sealed.sealed.slice(2)}` })).toThrow(PersonalDataIntegrityError);
  });

  describe('wrapped keys', () => {
    const kek = createSecretKey(randomBytes(32));

    it('unwrap to the same key, for the same subject, and reveal nothing of it', () => {
      const wrapped = wrapKey(kek, 'ada', key);
      expect(wrapped).not.toContain(key.key.export().toString('base64url'));
      const unwrapped = unwrapKey(kek, 'ada', wrapped);
      expect(unwrapped.id).toBe(key.id);
      expect(openValue(unwrapped, place, sealed)).toBe('ada@example.com');
    });

    it('refuse to unwrap for another subject or under another key-encryption key', () => {
      const wrapped = wrapKey(kek, 'ada', key);
      expect(() => unwrapKey(kek, 'bob', wrapped)).toThrow(PersonalDataIntegrityError);
      expect(() => unwrapKey(createSecretKey(randomBytes(32)), 'ada', wrapped)).toThrow(PersonalDataIntegrityError);
    });
  });
});
