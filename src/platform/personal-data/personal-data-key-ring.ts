import type { KeyObject } from 'node:crypto';
import { type DataKey, newDataKey, unwrapKey, wrapKey } from './personal-data-cipher';
import type { PersonalDataKeys } from './personal-data-keys';

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
    return subjects.length === 0 ? [] : [...(await this.store.findMany(subjects)).keys()];
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
