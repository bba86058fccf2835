/** A read-model document: a JSON object with a string `id`. */
export type Document = { readonly id: string } & Record<string, unknown>;

/** Values an equality filter may compare with. Objects and arrays are refused: no query operators. */
export type Scalar = string | number | boolean | null;

export interface IndexSpec {
  /** Fields in order; a query filtering on a prefix of them and sorting on the next one uses it. */
  readonly fields: readonly string[];
  readonly unique?: boolean;
}

export interface FindOptions {
  readonly where?: Readonly<Record<string, Scalar>>;
  /** Sort field; ties (and the cursor) are broken by `id`. Default `id`. */
  readonly sortBy?: string;
  readonly direction?: 'asc' | 'desc';
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface Page<T extends Document = Document> {
  readonly items: T[];
  /** Present when more items may follow. */
  readonly nextCursor?: string;
}

/** Writes that may take part in a transaction. */
export interface ReadStoreWriter {
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  /** Inserts or replaces the whole document. */
  upsert(collection: string, document: Document): Promise<void>;
  /** Sets the given top-level fields of an existing document; false when there is none. */
  patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean>;
  delete(collection: string, id: string): Promise<boolean>;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('the cursor is not one this list handed out');
  }
}

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * The read-store port (architecture §2): documents in named collections, disposable and rebuilt from
 * the event store. Adapters: `SqliteReadStore` (embedded) and `MongoReadStore` (MongoDB); both pass
 * `test/contract/read-store.contract.ts`.
 */
export abstract class ReadStore implements ReadStoreWriter {
  abstract get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  abstract find<T extends Document = Document>(collection: string, options: FindOptions): Promise<Page<T>>;
  abstract upsert(collection: string, document: Document): Promise<void>;
  abstract patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean>;
  abstract delete(collection: string, id: string): Promise<boolean>;
  /** Runs `work` atomically: every write through `tx` lands, or none does. */
  abstract transaction<T>(work: (tx: ReadStoreWriter) => Promise<T>): Promise<T>;
  abstract ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  abstract dropCollection(collection: string): Promise<void>;
  abstract listCollections(): Promise<string[]>;
  /**
   * Takes or renews the named lease for `owner` when it is free, expired or already `owner`'s.
   * Atomic across processes: of two contenders at most one gets `true`.
   */
  abstract tryAcquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  abstract releaseLease(name: string, owner: string): Promise<void>;
  abstract ping(): Promise<void>;
  /** As `EventStore.verifyServer`: the server's name and version, or `UnsupportedStoreError`. */
  abstract verifyServer(): Promise<string>;
  abstract close(): Promise<void>;

  /**
   * After personal data was blanked (an erasure): makes the overwritten values unrecoverable from
   * the store's own files where the store can. The embedded store truncates its write-ahead log
   * (its pages are overwritten on delete already); MongoDB has nothing to do here: its journal and
   * oplog roll over by themselves (README, "Personal data and erasure"). Abstract, so that no
   * wrapper (the traced store) can inherit a no-op in place of the store's own.
   */
  abstract scrub(): Promise<void>;
}
