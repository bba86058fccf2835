import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

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
    mkdirSync(config.signingKeysDir, { recursive: true, mode: 0o700 });
    this.key = createSecretKey(loadOrCreate(join(config.signingKeysDir, CODE_SEALING_KEY_FILE)));
  }
}

function loadOrCreate(file: string): Buffer {
  try {
    return decode(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Written whole under a temporary name, then linked into place: link refuses an existing name, so of
  // two instances starting together one key wins and both read it; nobody reads a half-written file.
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  const descriptor = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(descriptor, `${randomBytes(32).toString('base64url')}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return decode(readFileSync(file, 'utf8'), file);
}

function decode(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== 32) throw new Error(`${file} does not hold a 256-bit key (base64url)`);
  return key;
}
