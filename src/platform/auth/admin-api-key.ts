import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSecretFile } from '../crypto/secret-file';
import type { AppConfig } from '../../config/app-config';

export const ADMIN_KEY_FILE = 'admin-api-key';
/** Beside the signing keys: the directory every instance must share, or its tokens would not verify elsewhere. */
export const FINGERPRINT_SECRET_FILE = 'audit-fingerprint.key';

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

/**
 * A short name for a key, recorded as the admin actor's id in events: an HMAC under a server secret,
 * so whoever reads the audit trail cannot test a candidate key against it offline, as a plain hash
 * would allow. Events recorded before keep the plain SHA-256 prefix they were written with.
 */
export function keyFingerprint(key: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(key).digest('hex').slice(0, 16);
}

/**
 * The fingerprints' HMAC key: `AUDIT_FINGERPRINT_SECRET` when set; otherwise 256 random bits kept in
 * the signing-key directory (mode 0600), created at first start. Production already shares that
 * directory between instances and keeps it across restarts (tokens signed on one instance are
 * verified on every other), so one admin key has one fingerprint everywhere and always.
 */
export function resolveFingerprintSecret(config: AppConfig): Buffer {
  if (config.auditFingerprintSecret) return Buffer.from(config.auditFingerprintSecret, 'utf8');
  return loadOrCreateSecretFile(join(config.signingKeysDir, FINGERPRINT_SECRET_FILE));
}
