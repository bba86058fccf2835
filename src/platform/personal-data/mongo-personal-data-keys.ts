import type { Collection } from 'mongodb';
import { MongoConnection } from '../read-store/mongo-connection';
import { PersonalDataKeys } from './personal-data-keys';

type StoredKey = { _id: string; wrapped: string; createdAt: Date };

/** In the read store's database, beside the read models; no projection has a collection of this name. */
const KEYS_COLLECTION = 'personal_data_keys';
const DUPLICATE_KEY = 11000;

/**
 * The production key store: a collection of the read store's MongoDB database, so it is backed up
 * with the read models, but not one of them: a rebuild drops only projection collections. Writes
 * wait for a majority (`w: majority`, journaled), so a key is never lost after an event sealed
 * under it was written, and a deletion is not undone by a failover. MongoDB frees a deleted
 * document's space without overwriting it at once, and its journal and the oplog hold the write
 * until they roll over: the README says what that means for an erasure.
 *
 * Its own client (for its write concern), connected and failing as the read store's
 * (`MongoConnection`): on first use, with the read store's deadline on every call.
 */
export class MongoPersonalDataKeys extends PersonalDataKeys {
  private readonly connection: MongoConnection;

  constructor(uri: string, timeoutMs: number) {
    super();
    this.connection = new MongoConnection(uri, timeoutMs, 'personal-data keys', {
      writeConcern: { w: 'majority', journal: true },
      readConcern: { level: 'majority' },
    });
  }

  getOrInsert(subject: string, wrapped: string): Promise<string> {
    return this.call(async (keys) => {
      try {
        // Atomic per document: of two instances racing, one inserts and both read the winner.
        const stored = await keys.findOneAndUpdate(
          { _id: subject },
          { $setOnInsert: { wrapped, createdAt: new Date() } },
          { upsert: true, returnDocument: 'after' },
        );
        return stored!.wrapped;
      } catch (error) {
        // Two concurrent upserts may both try the insert: the loser reads the winner's key.
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
        return (await keys.findOne({ _id: subject }))!.wrapped;
      }
    });
  }

  findMany(subjects: readonly string[]): Promise<Map<string, string>> {
    return this.call(async (keys) => {
      const found = await keys.find({ _id: { $in: [...new Set(subjects)] } }).toArray();
      return new Map(found.map(({ _id, wrapped }) => [_id, wrapped]));
    });
  }

  delete(subject: string): Promise<void> {
    return this.call(async (keys) => void (await keys.deleteOne({ _id: subject })));
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private call<T>(work: (keys: Collection<StoredKey>) => Promise<T>): Promise<T> {
    return this.connection.call(() => work(this.connection.db.collection<StoredKey>(KEYS_COLLECTION)));
  }
}
