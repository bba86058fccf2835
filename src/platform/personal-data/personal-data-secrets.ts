import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { AppConfig } from '../../config/app-config';
import { loadOrCreateSecretFile } from '../crypto/secret-file';

/** Beside the signing keys: the directory every instance shares (a mounted secret in production). */
export const PERSONAL_DATA_SECRET_FILE = 'personal-data.key';

/**
 * The two keys derived from the personal-data secret with HKDF-SHA-256, one `info` label each, so
 * neither use can stand in for the other: the key-encryption key that wraps every user's data key
 * (a dump of the key store alone reveals nothing), and the HMAC key that names email reservation
 * streams (an email cannot be tested against a stream name without the secret).
 */
export class PersonalDataSecrets {
  readonly keyEncryptionKey: KeyObject;
  readonly reservationKey: Buffer;

  constructor(secret: Buffer) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
    this.keyEncryptionKey = createSecretKey(derive('airisk personal-data key-encryption v1'));
    this.reservationKey = derive('airisk email-reservation hmac v1');
  }

  /**
   * `PERSONAL_DATA_SECRET` when set; otherwise 256 random bits kept in the signing-key directory
   * (mode 0600), created at first start, as the code-sealing key is. Losing it loses every user's
   * personal data (the wrapped keys no longer open): it is backed up with the signing keys.
   */
  static resolve(config: AppConfig): PersonalDataSecrets {
    return new PersonalDataSecrets(
      config.personalDataSecret
        ? Buffer.from(config.personalDataSecret, 'utf8')
        : loadOrCreateSecretFile(join(config.signingKeysDir, PERSONAL_DATA_SECRET_FILE)),
    );
  }
}
