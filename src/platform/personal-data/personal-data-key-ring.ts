import type { KeyObject } from 'node:crypto';
import { type DataKey, newDataKey, PersonalDataIntegrityError, unwrapKey, wrapKey } from './personal-data-cipher';
import type { PersonalDataKeys } from './personal-data-keys';
import { StoreUnavailableError } from '../store-unavailable';

export interface KeyRingOptions {
  /** Keys held in memory at most; the least recently used goes first. */
  readonly maxKeys: number;
  /**
   * How long a key (or the fact that there is none) is trusted from memory. The bound on how long
   * another instance may still open a user's data after an erasure deleted the key elsewhere.
   */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/** Documented in the README: 10,000 keys, one minute. */
export const DEFAULT_KEY_RING: KeyRingOptions = { maxKeys: 10_000, ttlMs: 60_000 };

type Cached = { readonly key: DataKey | undefined; readonly until: number };

/**
 * The entry that proves which key-encryption key the store was written under: a key like any
 * user's, under a subject no user id can be (`USER_ID_PATTERN` has no `#`).
 */
const KEY_ENCRYPTION_CHECK = '#key-encryption-check';

/**
 * The key store was written under another personal-data secret (a lost `personal-data.key`
 * regenerated, a changed `PERSONAL_DATA_SECRET`). Nothing personal is read or written until the
 * right secret is back: a new one would seal under keys no other instance opens, and name email
 * reservations differently, so an address already held could be taken again.
 */
export class PersonalDataSecretMismatchError extends Error {
  override readonly name = 'PersonalDataSecretMismatchError';
  constructor() {
    super(
      'the personal-data key store was written under another personal-data secret: restore the ' +
        'PERSONAL_DATA_SECRET (or signing-keys/personal-data.key) it was written with',
    );
  }
}

/**
 * The users' data keys as the service uses them: unwrapped from the key store with the
 * key-encryption key, and cached, bounded in number (LRU) and in time (TTL). An erasure deletes
 * the key from the store and from this instance's cache at once; other instances stop using it at
 * the latest after `ttlMs`, sooner when they read the `UserErased` event (`forget`).
 */
export class PersonalDataKeyRing {
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;
  /** Moves on at every erasure: a key fetched across one is handed out but not cached. */
  private erasures = 0;
  /** The key-encryption key checked against the store's (`checked`): once, then never again. */
  private checking?: Promise<void>;

  constructor(
    private readonly store: PersonalDataKeys,
    private readonly keyEncryptionKey: KeyObject,
    private readonly options: KeyRingOptions = DEFAULT_KEY_RING,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The subject's key, created (and stored, before anything is sealed under it) when it has none. */
  async keyFor(subject: string): Promise<DataKey> {
    const cached = this.cached(subject);
    if (cached?.key) return cached.key;
    await this.checked();
    const erasures = this.erasures;
    const wrapped = await this.store.getOrInsert(subject, wrapKey(this.keyEncryptionKey, subject, newDataKey()));
    const key = unwrapKey(this.keyEncryptionKey, subject, wrapped);
    if (erasures === this.erasures) this.remember(subject, key);
    return key;
  }

  /** The keys of those of `subjects` that have one, fetched from the store in one call for those not in memory. */
  async keysOf(subjects: Iterable<string>): Promise<Map<string, DataKey>> {
    const keys = new Map<string, DataKey>();
    const missing: string[] = [];
    for (const subject of new Set(subjects)) {
      const cached = this.cached(subject);
      if (!cached) missing.push(subject);
      else if (cached.key) keys.set(subject, cached.key);
    }
    if (missing.length === 0) return keys;
    await this.checked();
    const erasures = this.erasures;
    const stored = await this.store.findMany(missing);
    for (const subject of missing) {
      const wrapped = stored.get(subject);
      const key = wrapped ? unwrapKey(this.keyEncryptionKey, subject, wrapped) : undefined;
      if (erasures === this.erasures) this.remember(subject, key);
      if (key) keys.set(subject, key);
    }
    return keys;
  }

  /** Those of `subjects` that still have a key in the store (not the cache): an erasure is finished once its subject has none. */
  async held(subjects: readonly string[]): Promise<string[]> {
    if (subjects.length === 0) return [];
    await this.checked();
    return [...(await this.store.findMany(subjects)).keys()];
  }

  /**
   * The check of `checked`, at start: a store written under another secret stops the start, named,
   * rather than failing at first use. A store that does not answer yet is checked at first use.
   */
  async verifySecret(): Promise<void> {
    try {
      await this.checked();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
  }

  /** Deletes the subject's key, here and in the store: whatever was sealed under it reads as erased from now on. */
  async erase(subject: string): Promise<void> {
    this.erasures += 1;
    this.cache.delete(subject);
    await this.store.delete(subject);
    this.erasures += 1; // and once more: no fetch that overlapped the delete caches what it read
    this.cache.delete(subject);
  }

  /** Drops the subject's key from memory (another instance erased it). */
  forget(subject: string): void {
    this.cache.delete(subject);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /**
   * Resolves once this ring's key-encryption key is the one the store was written under: the
   * check entry is stored by the first ring to use an empty store, and must open under every
   * later one. A mismatch is final (`PersonalDataSecretMismatchError`); a store that does not
   * answer is asked again at the next use.
   */
  private checked(): Promise<void> {
    this.checking ??= this.checkKeyEncryptionKey().catch((error: unknown) => {
      if (!(error instanceof PersonalDataSecretMismatchError)) this.checking = undefined;
      throw error;
    });
    return this.checking;
  }

  private async checkKeyEncryptionKey(): Promise<void> {
    const proposed = wrapKey(this.keyEncryptionKey, KEY_ENCRYPTION_CHECK, newDataKey());
    const stored = await this.store.getOrInsert(KEY_ENCRYPTION_CHECK, proposed);
    try {
      unwrapKey(this.keyEncryptionKey, KEY_ENCRYPTION_CHECK, stored);
    } catch (error) {
      if (error instanceof PersonalDataIntegrityError) throw new PersonalDataSecretMismatchError();
      throw error;
    }
  }

  private cached(subject: string): Cached | undefined {
    const cached = this.cache.get(subject);
    if (!cached) return undefined;
    this.cache.delete(subject);
    if (cached.until <= this.now()) return undefined;
    this.cache.set(subject, cached); // most recently used last
    return cached;
  }

  private remember(subject: string, key: DataKey | undefined): void {
    this.cache.delete(subject);
    this.cache.set(subject, { key, until: this.now() + this.options.ttlMs });
    while (this.cache.size > this.options.maxKeys) this.cache.delete(this.cache.keys().next().value!);
  }
}
