import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';

export const ADMIN_KEY_FILE = 'admin-api-key';

export interface AdminKeySource {
  readonly key: string;
  /** True when this start created the key: it is shown once, on the terminal, never in the log. */
  readonly generated: boolean;
  readonly file?: string;
}

/**
 * `ADMIN_API_KEY` when set. Otherwise (never in production: configuration refuses that) the key kept
 * in `DATA_DIR`, created with 256 random bits and mode 0600 at first start.
 */
export function resolveAdminKey(config: AppConfig): AdminKeySource {
  if (config.adminApiKey) return { key: config.adminApiKey, generated: false };
  const file = join(config.dataDir, ADMIN_KEY_FILE);
  try {
    return { key: readFileSync(file, 'utf8').trim(), generated: false, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  // 'wx': if another process created it meanwhile, fail rather than overwrite its key.
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: true, file };
}

/** A short, non-reversible name for a key, recorded as the admin actor's id in events. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
