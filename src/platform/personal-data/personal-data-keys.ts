/**
 * Where the users' data keys live, wrapped (architecture §4.1): the one place an erasure deletes
 * from. Never part of a read model, so no rebuild drops it; it is backed up with the read store's
 * data. Adapters: `SqlitePersonalDataKeys` (a file of its own in the data directory) and
 * `MongoPersonalDataKeys` (a collection of the read store's database); both pass
 * `test/contract/personal-data-keys.contract.ts`.
 */
export abstract class PersonalDataKeys {
  /**
   * The wrapped key stored for `subject`, storing `wrapped` first when there is none. Atomic across
   * instances: of two callers racing for one subject, both get the one key stored.
   */
  abstract getOrInsert(subject: string, wrapped: string): Promise<string>;
  /** The wrapped keys stored for those of `subjects` that have one. */
  abstract findMany(subjects: readonly string[]): Promise<Map<string, string>>;
  /**
   * Deletes the subject's key so that its bytes leave the store's files (where the store can
   * promise that: see the adapters). Deleting an absent key is no error.
   */
  abstract delete(subject: string): Promise<void>;
  abstract close(): Promise<void>;
}
