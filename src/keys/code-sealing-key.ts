import { createSecretKey, KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { loadOrCreateSecretFile } from '../platform/crypto/secret-file';

/** The file beside the signing keys: the directory every instance already shares (a mounted secret in production). */
export const CODE_SEALING_KEY_FILE = 'code-sealing.key';

/**
 * The AES-256 key that seals authorization codes (see `oauth/authorize/sealed-codes.ts`): a code
 * carries its own binding, authenticated by this key, so issuing one writes nothing. Created at
 * first start (256 random bits, 0600) and shared by every instance through the key directory; a
 * code sealed by one instance opens on any other.
 */
@Injectable()
export class CodeSealingKey {
  readonly key: KeyObject;

  constructor(config: AppConfig) {
    this.key = createSecretKey(loadOrCreateSecretFile(join(config.signingKeysDir, CODE_SEALING_KEY_FILE)));
  }
}
