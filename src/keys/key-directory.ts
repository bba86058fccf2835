import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ecPublicJwk, jwkThumbprint } from './jwk';
import type { PublishedJwk } from './signing-key.events';

/** One key file, `<kid>.json`, mode 0600. Never rewritten once in place: a key's file is immutable. */
export interface KeyFile {
  readonly kid: string;
  readonly alg: 'ES256';
  /** PKCS#8 PEM of the P-256 private key. */
  readonly privateKeyPem: string;
  readonly createdAt: string;
  readonly activatesAt: string;
}

/** A key parsed once and kept as `KeyObject`s: nothing is parsed per request (architecture §9). */
export interface LoadedKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: PublishedJwk;
  readonly createdAt: number;
  readonly activatesAt: number;
}

/** A key file written and fsynced under a temporary name, not yet visible to any loader. */
export interface StagedKeyFile {
  commit(): void;
  discard(): void;
}

/** `<kid>.json` with a thumbprint kid; temp files start with a dot and never match. */
const KEY_FILE_NAME = /^([A-Za-z0-9_-]{43})\.json$/;

/** A new ES256 key pair (RFC 7518 §3.4: ECDSA on P-256 with SHA-256), its kid the RFC 7638 thumbprint. */
export function generateSigningKey(createdAt: Date, activatesAt: Date): { record: KeyFile; key: LoadedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = jwkThumbprint(ecPublicJwk(publicKey));
  const record: KeyFile = {
    kid,
    alg: 'ES256',
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    createdAt: createdAt.toISOString(),
    activatesAt: activatesAt.toISOString(),
  };
  return { record, key: loaded(record, privateKey, publicKey) };
}

/** The directory of key files: a volume or mounted secret in production, shared by every instance. */
export class KeyDirectory {
  constructor(readonly path: string) {}

  /** 0700: only the service's user may list or read the private keys. */
  ensure(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
  }

  /**
   * Every key file, parsed and checked. Files already in `known` are not parsed again (they are
   * immutable); a file that is gone is dropped. Throws, naming the file, on anything malformed.
   */
  loadAll(known: ReadonlyMap<string, LoadedKey> = new Map()): Map<string, LoadedKey> {
    const keys = new Map<string, LoadedKey>();
    for (const name of readdirSync(this.path).sort()) {
      const kid = KEY_FILE_NAME.exec(name)?.[1];
      if (kid) keys.set(kid, known.get(kid) ?? this.load(kid));
    }
    return keys;
  }

  /** Temp file (`wx`, 0600, fsynced), so a crash never leaves a half-written key under its real name. */
  stage(record: KeyFile): StagedKeyFile {
    const temporary = join(this.path, `.${record.kid}.${randomBytes(8).toString('hex')}.tmp`);
    const descriptor = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(descriptor, `${JSON.stringify(record, null, 2)}\n`);
      fsyncSync(descriptor);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    } finally {
      closeSync(descriptor);
    }
    return {
      commit: () => {
        // rename is atomic: other instances see the whole file or none of it.
        renameSync(temporary, join(this.path, `${record.kid}.json`));
        syncDirectory(this.path);
      },
      discard: () => rmSync(temporary, { force: true }),
    };
  }

  private load(kid: string): LoadedKey {
    const file = join(this.path, `${kid}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeyFile>;
    if (
      record.kid !== kid ||
      record.alg !== 'ES256' ||
      typeof record.privateKeyPem !== 'string' ||
      !isInstant(record.createdAt) ||
      !isInstant(record.activatesAt)
    ) {
      throw new Error(
        `${file} is not a signing key file ({ kid, alg: "ES256", privateKeyPem, createdAt, activatesAt })`,
      );
    }
    const privateKey = createPrivateKey({ key: record.privateKeyPem, format: 'pem' });
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`${file} does not hold an EC P-256 private key (ES256)`);
    }
    const publicKey = createPublicKey(privateKey);
    // A kid that is not the key's thumbprint would make verifiers pick the wrong key.
    if (jwkThumbprint(ecPublicJwk(publicKey)) !== kid) {
      throw new Error(`${file}: kid is not the RFC 7638 thumbprint of its key`);
    }
    return loaded(record as KeyFile, privateKey, publicKey);
  }
}

function loaded(record: KeyFile, privateKey: KeyObject, publicKey: KeyObject): LoadedKey {
  const jwk: PublishedJwk = Object.freeze({ ...ecPublicJwk(publicKey), kid: record.kid, alg: 'ES256', use: 'sig' });
  return {
    kid: record.kid,
    privateKey,
    publicKey,
    jwk,
    createdAt: Date.parse(record.createdAt),
    activatesAt: Date.parse(record.activatesAt),
  };
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && Number.isFinite(Date.parse(value));
}

/** Makes the rename itself durable (power loss); some platforms cannot open a directory, which is harmless. */
function syncDirectory(path: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    fsyncSync(descriptor);
  } catch {
    // The rename already happened atomically; only its durability across a power cut is weaker.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
