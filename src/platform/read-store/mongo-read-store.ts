import {
  MongoClient,
  MongoServerError,
  type ClientSession,
  type Collection,
  type Db,
  type Filter,
  type Sort,
} from 'mongodb';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor';
import { assertCollectionName, assertFieldName, assertScalar } from './names';
import {
  type Document,
  type FindOptions,
  type IndexSpec,
  type Page,
  ReadStore,
  type ReadStoreWriter,
  type Scalar,
} from './read-store';
import { UnsupportedStoreError } from '../store-unavailable';
import { MongoConnection } from './mongo-connection';
import { errorMessage } from '../logging/error-message';

/** How a document is stored: the port's `id` becomes Mongo's `_id`, so the primary key is the id. */
type Stored = { _id: string } & Record<string, unknown>;
type Lease = { _id: string; owner: string; expiresAt: Date };

/** The adapter's own bookkeeping; hidden from `listCollections` and refused as a document collection. */
const LEASES = 'projection_leases';
const MAX_LIMIT = 10_000;
const DUPLICATE_KEY = 11000;

export interface MongoOptions {
  /** Deadline of every call (a transaction counts as one), in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * MongoDB adapter of the read-store port. With its connection (`mongo-connection.ts`) and the
 * personal-data key store's adapter, the only modules that import `mongodb`, so the driver never
 * leaks into projections or HTTP code. Transactions need a replica set (docker-compose runs a
 * single-node one); `verifyServer` refuses anything else. A server that is down at start or later
 * costs failed calls, never the process (see `MongoConnection`).
 */
export class MongoReadStore extends ReadStore {
  private readonly connection: MongoConnection;

  private constructor(uri: string, options: MongoOptions) {
    super();
    this.connection = new MongoConnection(uri, options.timeoutMs);
  }

  /** Connects on first use; throws the driver's own parse error for a malformed URI now. */
  static connect(uri: string, options: MongoOptions): MongoReadStore {
    const problem = MongoReadStore.uriProblem(uri);
    if (problem) throw new RangeError(problem);
    return new MongoReadStore(uri, options);
  }

  /** What the driver's parser says is wrong with a URI, or undefined when it accepts it. */
  static uriProblem(uri: string): string | undefined {
    try {
      new MongoClient(uri); // parses only: the driver connects on first use
      return undefined;
    } catch (error) {
      return errorMessage(error);
    }
  }

  // The four single-document operations run outside any transaction here; see `transaction`.
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    return this.call(() => this.read<T>(collection, id));
  }
  upsert(collection: string, document: Document): Promise<void> {
    return this.call(() => this.write(collection, document));
  }
  patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean> {
    return this.call(() => this.update(collection, id, fields));
  }
  delete(collection: string, id: string): Promise<boolean> {
    return this.call(() => this.remove(collection, id));
  }

  find<T extends Document = Document>(collection: string, options: FindOptions): Promise<Page<T>> {
    return this.call(() => this.query<T>(collection, options));
  }

  private async query<T extends Document>(collection: string, options: FindOptions): Promise<Page<T>> {
    const { where = {}, sortBy = 'id', direction = 'asc', limit, cursor } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    if (direction !== 'asc' && direction !== 'desc') throw new RangeError(`invalid direction: ${String(direction)}`);
    assertFieldName(sortBy);

    // Equality only: names are checked against a strict pattern (no `$`) and values must be
    // scalars, so a caller cannot smuggle in `{ $ne: … }` or `$where`.
    const filter: Filter<Stored> = {};
    for (const [field, value] of Object.entries(where)) {
      assertFieldName(field);
      assertScalar(field, value);
      filter[path(field)] = value;
    }
    const sortField = path(sortBy);
    const dir: 1 | -1 = direction === 'asc' ? 1 : -1;
    if (cursor !== undefined) filter.$and = [after(sortField, dir, decodeCursor(cursor))];

    // Ties are broken by `_id` in the same direction, so the order is total and the cursor exact.
    const sort: Sort = sortField === '_id' ? { _id: dir } : { [sortField]: dir, _id: dir };
    const stored = await this.collection(collection)
      .find(filter, { sort, limit: limit + 1 })
      .toArray();
    const items = stored.slice(0, limit).map((doc) => fromStored<T>(doc));
    if (stored.length <= limit) return { items };
    const last = items[items.length - 1];
    return { items, nextCursor: encodeCursor({ value: sortValue(last, sortBy), id: last.id }) };
  }

  transaction<T>(work: (tx: ReadStoreWriter) => Promise<T>): Promise<T> {
    return this.call(() => this.inTransaction(work));
  }

  private async inTransaction<T>(work: (tx: ReadStoreWriter) => Promise<T>): Promise<T> {
    const session = this.connection.client.startSession(); // inside `call`: connected
    try {
      // withTransaction commits, and on TransientTransactionError (a WriteConflict with a concurrent
      // transaction among them) / UnknownTransactionCommitResult runs the callback again from the start. That is acceptable: projection handlers are
      // idempotent (upserts and `$set`s keyed by id), so a replay writes the same state.
      // Writes inside must be awaited one by one; the driver does not support parallel operations
      // within a transaction.
      return await session.withTransaction(() =>
        work({
          get: <D extends Document = Document>(c: string, id: string) => this.read<D>(c, id, session),
          upsert: (c, document) => this.write(c, document, session),
          patch: (c, id, fields) => this.update(c, id, fields, session),
          delete: (c, id) => this.remove(c, id, session),
        }),
      );
    } finally {
      await session.endSession();
    }
  }

  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    return this.call(() => this.createIndexes(collection, indexes));
  }

  private async createIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    const target = this.collection(collection);
    for (const { fields, unique } of indexes) {
      if (fields.length === 0) throw new RangeError('an index needs at least one field');
      fields.forEach(assertFieldName);
      // `_id` is always indexed and unique already; the server refuses `unique` on an `_id` index.
      if (fields.length === 1 && fields[0] === 'id') continue;
      const keys = Object.fromEntries(fields.map((f) => [path(f), 1 as const]));
      // Re-creating an identical index is a no-op on the server, which makes this idempotent.
      await target.createIndex(keys, unique ? { unique: true } : {});
    }
  }

  async dropCollection(collection: string): Promise<void> {
    assertDocumentCollection(collection);
    // The driver turns the server's NamespaceNotFound into `false`, so an absent collection is fine.
    await this.call(() => this.db.dropCollection(collection));
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.call(() => this.db.listCollections({}, { nameOnly: true }).toArray());
    return infos
      .map((info) => info.name)
      .filter((name) => name !== LEASES && !name.startsWith('system.'))
      .sort();
  }

  tryAcquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.call(() => this.acquireLease(name, owner, ttlMs));
  }

  private async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
    // Client clock (Date.now()), not the server's `$$NOW`: the expiry test has to sit in the query
    // of an upsert, and the server refuses `$expr` there (error 224). This assumes the app hosts'
    // clocks are NTP-synced, with skew far below the TTL; skew shortens or stretches a lease by that much.
    const now = Date.now();
    try {
      // One atomic statement: renew our own lease or take an expired one; if neither matches, the
      // upsert tries to insert `_id: name`, which the unique `_id` index refuses while another
      // owner's live lease exists. Two contenders can therefore never both succeed.
      await this.db
        .collection<Lease>(LEASES)
        .updateOne(
          { _id: name, $or: [{ owner }, { expiresAt: { $lt: new Date(now) } }] },
          { $set: { owner, expiresAt: new Date(now + ttlMs) } },
          { upsert: true },
        );
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.call(() => this.db.collection<Lease>(LEASES).deleteOne({ _id: name, owner }));
  }

  async ping(): Promise<void> {
    await this.call(() => this.db.command({ ping: 1 }));
  }

  /**
   * The server's version and topology: transactions (every projection step) need a replica-set
   * member or a mongos; a standalone `mongod` would accept every other call and fail each of them.
   */
  async verifyServer(): Promise<string> {
    // Inside `call`: it connects first (the database handle exists only once connected).
    const [hello, build] = await this.call(() =>
      Promise.all([this.db.admin().command({ hello: 1 }), this.db.admin().command({ buildInfo: 1 })]),
    );
    const version = String(build.version);
    if (typeof hello.setName === 'string') return `MongoDB ${version}, replica set ${hello.setName}`;
    if (hello.msg === 'isdbgrid') return `MongoDB ${version}, mongos`;
    throw new UnsupportedStoreError(
      `MongoDB ${version} is a standalone server: transactions need a replica-set member or mongos ` +
        '(start mongod with --replSet and run rs.initiate())',
    );
  }

  /** Nothing to do: MongoDB's journal and oplog roll over by themselves (README, "Personal data and erasure"). */
  scrub(): Promise<void> {
    return Promise.resolve();
  }

  /** Also ends a connection attempt in progress, so shutdown never waits for an absent server. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private get db(): Db {
    return this.connection.db;
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return this.connection.call(work);
  }

  // Shared by the store itself and the transaction's writer (which passes its `session`).

  private async read<T extends Document>(collection: string, id: string, session?: ClientSession): Promise<T | null> {
    const doc = await this.collection(collection).findOne({ _id: checkedId(id) }, { session });
    return doc ? fromStored<T>(doc) : null;
  }

  private async write(collection: string, document: Document, session?: ClientSession): Promise<void> {
    const { id, ...fields } = document;
    await this.collection(collection).replaceOne({ _id: checkedId(id) }, fields, { upsert: true, session });
  }

  private async update(
    collection: string,
    id: string,
    fields: Readonly<Record<string, unknown>>,
    session?: ClientSession,
  ): Promise<boolean> {
    for (const field of Object.keys(fields)) {
      assertFieldName(field);
      // Top-level only (a dot would set a nested path in Mongo) and never the identity.
      if (field.includes('.') || field === 'id') throw new RangeError(`cannot patch field ${JSON.stringify(field)}`);
    }
    const target = this.collection(collection);
    if (Object.keys(fields).length === 0) {
      // Servers before 5.0 reject an empty `$set`; the answer is just "does it exist".
      return (await target.findOne({ _id: checkedId(id) }, { session, projection: { _id: 1 } })) !== null;
    }
    const result = await target.updateOne({ _id: checkedId(id) }, { $set: fields }, { session });
    return result.matchedCount === 1;
  }

  private async remove(collection: string, id: string, session?: ClientSession): Promise<boolean> {
    const result = await this.collection(collection).deleteOne({ _id: checkedId(id) }, { session });
    return result.deletedCount === 1;
  }

  private collection(name: string): Collection<Stored> {
    assertDocumentCollection(name);
    return this.db.collection<Stored>(name);
  }
}

/**
 * The filter for "strictly after `key`" in the (sortField, _id) order. Mongo sorts a missing or
 * null field before every other value, but its range operators only compare within one type
 * (`$gt: null` matches nothing), so the null boundary needs its own clauses.
 */
function after(sortField: string, dir: 1 | -1, key: CursorKey): Filter<Stored> {
  const op = dir === 1 ? '$gt' : '$lt';
  if (sortField === '_id') return { _id: { [op]: key.id } };
  const tie = { [sortField]: key.value, _id: { [op]: key.id } }; // `field: null` also matches missing
  if (key.value === null) {
    // asc: every non-null value comes later; desc: only the remaining nulls do.
    return dir === 1 ? { $or: [{ [sortField]: { $ne: null } }, tie] } : tie;
  }
  const beyond = { [sortField]: { [op]: key.value } };
  // desc: the nulls come last, after every non-null value.
  return dir === 1 ? { $or: [beyond, tie] } : { $or: [beyond, tie, { [sortField]: null }] };
}

/** The port's `id` is Mongo's `_id`; every other name (dotted paths included) is used as is. */
function path(field: string): string {
  return field === 'id' ? '_id' : field;
}

function fromStored<T extends Document>(stored: Stored): T {
  const { _id, ...fields } = stored;
  return { ...fields, id: _id } as T;
}

/** The sort key of a returned item, as the cursor stores it: a missing field counts as null. */
function sortValue(item: Document, sortBy: string): Scalar {
  let value: unknown = item;
  for (const part of sortBy.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined) return null;
  assertScalar(sortBy, value); // an object or array sort key cannot be put in a cursor
  return value as Scalar;
}

/** An id must be a string: an object would be read by Mongo as a query operator. */
function checkedId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError('a document id must be a string');
  return id;
}

function assertDocumentCollection(name: string): void {
  assertCollectionName(name);
  if (name === LEASES) throw new RangeError(`${LEASES} is reserved for the read store's leases`);
}
