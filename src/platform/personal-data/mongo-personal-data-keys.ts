import { type Collection, MongoClient, MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { StoreUnavailableError, withDeadline } from '../store-unavailable';
import { PersonalDataKeys } from './personal-data-keys';

type StoredKey = { _id: string; wrapped: string; createdAt: Date };

/** In the read store's database, beside the read models; no projection has a collection of this name. */
const KEYS_COLLECTION = 'personal_data_keys';
const DEFAULT_DATABASE = 'airisk_identity';
const DUPLICATE_KEY = 11000;

/**
 * The production key store: a collection of the read store's MongoDB database, so it is backed up
 * with the read models, but not one of them: a rebuild drops only projection collections. Writes
 * wait for a majority (`w: majority`, journaled), so a key is never lost after an event sealed
 * under it was written, and a deletion is not undone by a failover. MongoDB frees a deleted
 * document's space without overwriting it at once, and its journal and the oplog hold the write
 * until they roll over: the README says what that means for an erasure.
 *
 * Connects on first use, with the read store's deadline on every call; a failed first connection
 * is thrown away so the next call tries afresh (the driver keeps such a client closed for good).
 */
export class MongoPersonalDataKeys extends PersonalDataKeys {
  private client?: MongoClient;
  private connecting?: Promise<Collection<StoredKey>>;
  private closed = false;

  constructor(
    private readonly uri: string,
    private readonly timeoutMs: number,
  ) {
    super();
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

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.close();
  }

  private collection(): Promise<Collection<StoredKey>> {
    if (this.closed) return Promise.reject(new Error('personal-data key store is closed'));
    if (this.connecting) return this.connecting;
    const client = (this.client = new MongoClient(this.uri, {
      serverSelectionTimeoutMS: this.timeoutMs,
      connectTimeoutMS: this.timeoutMs,
      writeConcern: { w: 'majority', journal: true },
      readConcern: { level: 'majority' },
    }));
    this.connecting = client.connect().then(
      () => client.db(databaseNameIn(this.uri) ?? DEFAULT_DATABASE).collection<StoredKey>(KEYS_COLLECTION),
      async (error: unknown) => {
        this.connecting = undefined;
        if (this.client === client) this.client = undefined;
        await client.close().catch(() => undefined);
        throw error;
      },
    );
    return this.connecting;
  }

  private async call<T>(work: (keys: Collection<StoredKey>) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(
        this.collection().then(work),
        this.timeoutMs,
        () => new StoreUnavailableError('readStore', `personal-data keys: no answer within ${this.timeoutMs} ms`),
      );
    } catch (error) {
      if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError)
        throw new StoreUnavailableError('readStore', `personal-data keys: ${error.message}`);
      throw error;
    }
  }
}

/** The database named in the URI's path, as the read store reads it (the driver would fall back to `test`). */
function databaseNameIn(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}
