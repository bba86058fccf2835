import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/** What a personal value reads as once its subject's key is gone (architecture §4.1). */
export const ERASED = '[erased]';

/** A personal value as stored: `v1.<key id>.<iv>.<ciphertext>.<tag>`, each part base64url. */
export interface Sealed {
  readonly sealed: string;
}

/** Where a sealed value sits: a ciphertext moved to another stream, field or subject does not open. */
export interface Place {
  readonly stream: string;
  /** `data.email`, `metadata.ip`… */
  readonly field: string;
  /** The user whose key seals it. */
  readonly subject: string;
}

/** A user's data key: `id` names it in every value it seals, so a value sealed by an erased key is told apart. */
export interface DataKey {
  readonly id: string;
  readonly key: KeyObject;
}

const VERSION = 'v1';
const IV_BYTES = 12; // the 96-bit nonce GCM is specified for, fresh for every value
const TAG_BYTES = 16;

/** Thrown when a value or a wrapped key fails authentication: altered, moved, or sealed under another key. */
export class PersonalDataIntegrityError extends Error {
  override readonly name = 'PersonalDataIntegrityError';
}

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Sealed).sealed === 'string';
}

/** The additional data: canonical JSON of everything the value is bound to (no delimiter can be smuggled in). */
const additionalData = (purpose: string, keyId: string, ...parts: string[]) =>
  Buffer.from(JSON.stringify(['airisk', purpose, VERSION, keyId, ...parts]), 'utf8');

function encrypt(key: KeyObject, keyId: string, aad: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, keyId, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The key id a sealed string names; undefined when it is not one this version wrote. */
export function keyIdOf(text: string): string | undefined {
  const parts = text.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
}

function decrypt(key: KeyObject, aad: Buffer, text: string): Buffer {
  const [, , iv, ciphertext, tag] = text.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new PersonalDataIntegrityError('malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new PersonalDataIntegrityError('does not authenticate');
  }
}

/** Seals one personal value under its subject's key, bound to where it is stored. */
export function sealValue({ id, key }: DataKey, place: Place, value: string): Sealed {
  const aad = additionalData('personal-data', id, place.stream, place.field, place.subject);
  return { sealed: encrypt(key, id, aad, Buffer.from(value, 'utf8')) };
}

/**
 * The value sealed at `place`: `ERASED` when `key` is not the key that sealed it (that key is gone:
 * deleted by an erasure), a `PersonalDataIntegrityError` when the value does not authenticate.
 */
export function openValue(key: DataKey | undefined, place: Place, { sealed }: Sealed): string {
  const keyId = keyIdOf(sealed);
  if (keyId === undefined) throw new PersonalDataIntegrityError(`${place.stream} ${place.field}: malformed`);
  if (!key || key.id !== keyId) return ERASED;
  const aad = additionalData('personal-data', keyId, place.stream, place.field, place.subject);
  try {
    return decrypt(key.key, aad, sealed).toString('utf8');
  } catch (error) {
    throw new PersonalDataIntegrityError(`${place.stream} ${place.field}: ${(error as Error).message}`);
  }
}

/** A data key wrapped under the key-encryption key, bound to its subject: what the key store holds. */
export function wrapKey(keyEncryptionKey: KeyObject, subject: string, { id, key }: DataKey): string {
  return encrypt(keyEncryptionKey, id, additionalData('data-key', id, subject), key.export());
}

export function unwrapKey(keyEncryptionKey: KeyObject, subject: string, wrapped: string): DataKey {
  const id = keyIdOf(wrapped);
  if (id === undefined) throw new PersonalDataIntegrityError(`the key of ${subject} is malformed`);
  try {
    return { id, key: createSecretKey(decrypt(keyEncryptionKey, additionalData('data-key', id, subject), wrapped)) };
  } catch (error) {
    throw new PersonalDataIntegrityError(`the key of ${subject} ${(error as Error).message}`);
  }
}

/** A fresh AES-256 data key with a random id (64 bits: ids of one subject's successive keys never collide in practice). */
export function newDataKey(): DataKey {
  return { id: randomBytes(8).toString('base64url'), key: createSecretKey(randomBytes(32)) };
}
