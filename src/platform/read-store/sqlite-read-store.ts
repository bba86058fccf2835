import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { decodeCursor, encodeCursor } from './cursor';
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

const MAX_LIMIT = 10_000;

/**
 * The embedded read store: one SQLite file, a table per collection holding JSON documents, with
 * expression indexes on the fields projections declare.
 *
 * Two connections: writes (and reads inside a transaction) go through `writer`, one at a time in
 * an async queue, because a transaction spans awaits; plain reads go through `reader`, which in WAL
 * mode sees only committed data, so a request never observes a projection's half-done transaction.
 */
export class SqliteReadStore extends ReadStore {
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly knownTables = new Set<string>();
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    super();
    mkdirSync(dirname(file), { recursive: true });
    this.writer = open(file);
    // Read models are rebuilt from events, so losing the last commits to a power cut is harmless:
    // the checkpoint is lost with them and the events are applied again.
    this.writer.pragma('synchronous = NORMAL');
    // A document overwritten or deleted (a user's erased email) leaves no bytes in the file's pages;
    // `scrub` empties the write-ahead log of its older versions (architecture §4.1).
    this.writer.pragma('secure_delete = ON');
    this.writer.exec(
      'CREATE TABLE IF NOT EXISTS _leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    this.reader = open(file);
  }

  async get<T extends Document>(collection: string, id: string): Promise<T | null> {
    return this.exists(collection) ? getFrom<T>(this.reader, collection, id) : null;
  }

  async find<T extends Document>(collection: string, options: FindOptions): Promise<Page<T>> {
    const { limit, sortBy = 'id', direction = 'asc' } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new RangeError(`limit must be 1..${MAX_LIMIT}`);
    assertFieldName(sortBy);
    if (!this.exists(collection)) return { items: [] };
    const clauses: string[] = [];
    const parameters: unknown[] = [];
    for (const [field, value] of Object.entries(options.where ?? {})) {
      assertFieldName(field);
      assertScalar(field, value);
      clauses.push(`${fieldExpression(field)} IS ?`);
      parameters.push(bindable(value));
    }
    const sortExpression = fieldExpression(sortBy);
    const after = direction === 'asc' ? '>' : '<';
    if (options.cursor !== undefined) {
      const key = decodeCursor(options.cursor);
      if (sortBy === 'id') {
        clauses.push(`id ${after} ?`);
        parameters.push(key.id);
      } else {
        clauses.push(afterKeyClause(sortExpression, after, key.value));
        parameters.push(...(key.value === null ? [key.id] : [bindable(key.value), bindable(key.value), key.id]));
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const order = sortBy === 'id' ? `id ${direction}` : `${sortExpression} ${direction}, id ${direction}`;
    const rows = prepare<unknown[], { body: string }>(
      this.reader,
      `SELECT body FROM "${collection}" ${where} ORDER BY ${order} LIMIT ?`,
    ).all(...parameters, limit + 1);
    const items = rows.slice(0, limit).map((row) => JSON.parse(row.body) as T);
    if (rows.length <= limit) return { items };
    const last = items[items.length - 1];
    return { items, nextCursor: encodeCursor({ value: (last[sortBy] ?? null) as Scalar, id: last.id }) };
  }

  upsert(collection: string, document: Document): Promise<void> {
    return this.exclusive(async () => this.writes.upsert(collection, document));
  }

  patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean> {
    return this.exclusive(async () => this.writes.patch(collection, id, fields));
  }

  delete(collection: string, id: string): Promise<boolean> {
    return this.exclusive(async () => this.writes.delete(collection, id));
  }

  transaction<T>(work: (tx: ReadStoreWriter) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.writes);
        this.writer.exec('COMMIT');
        return result;
      } catch (error) {
        this.writer.exec('ROLLBACK');
        this.knownTables.clear(); // a table created inside the transaction is gone again
        throw error;
      }
    });
  }

  /** Writes through the writer connection; callers hold the write queue. */
  private readonly writes: ReadStoreWriter = {
    get: async <T extends Document>(collection: string, id: string) =>
      getFrom<T>(this.writer, this.table(collection), id),
    upsert: async (collection, document) => {
      if (typeof document.id !== 'string' || document.id === '') throw new TypeError('a document needs a string id');
      prepare(
        this.writer,
        `INSERT INTO "${this.table(collection)}" (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      ).run(document.id, JSON.stringify(document));
    },
    patch: async (collection, id, fields) => {
      const table = this.table(collection);
      const current = getFrom(this.writer, table, id);
      if (!current) return false;
      // Top-level fields only, as in MongoDB's adapter, where a dotted name would set a nested path.
      for (const field of Object.keys(fields)) {
        assertFieldName(field);
        if (field.includes('.') || field === 'id')
          throw new RangeError(`patch sets top-level fields other than id, not ${field}`);
      }
      const next = { ...current, ...fields, id };
      prepare(this.writer, `UPDATE "${table}" SET body = ? WHERE id = ?`).run(JSON.stringify(next), id);
      return true;
    },
    delete: async (collection, id) =>
      prepare(this.writer, `DELETE FROM "${this.table(collection)}" WHERE id = ?`).run(id).changes > 0,
  };

  async ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    const table = this.table(collection);
    for (const index of indexes) {
      index.fields.forEach(assertFieldName);
      const name = `${table}__${index.fields.join('_').replace(/\./g, '_')}`;
      const columns = index.fields.map((field) => (field === 'id' ? 'id' : fieldExpression(field))).join(', ');
      this.writer.exec(
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON "${table}" (${columns})`,
      );
    }
  }

  async dropCollection(collection: string): Promise<void> {
    assertCollectionName(collection);
    await this.exclusive(async () => this.writer.exec(`DROP TABLE IF EXISTS "${collection}"`));
    this.knownTables.delete(collection);
  }

  async listCollections(): Promise<string[]> {
    return prepare<[], { name: string }>(
      this.reader,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
      .all()
      .map((row) => row.name);
  }

  tryAcquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.exclusive(async () => {
      const now = Date.now();
      // One statement: insert, or take over only when the holder is us or has expired.
      const { changes } = prepare(
        this.writer,
        `INSERT INTO _leases (name, owner, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
           WHERE _leases.owner = excluded.owner OR _leases.expires_at < ?`,
      ).run(name, owner, now + ttlMs, now);
      return changes > 0;
    });
  }

  releaseLease(name: string, owner: string): Promise<void> {
    return this.exclusive(async () => {
      prepare(this.writer, 'DELETE FROM _leases WHERE name = ? AND owner = ?').run(name, owner);
    });
  }

  async ping(): Promise<void> {
    prepare(this.reader, 'SELECT 1').get();
  }

  async verifyServer(): Promise<string> {
    return `SQLite ${prepare<[], { version: string }>(this.reader, 'SELECT sqlite_version() AS version').get()!.version}`;
  }

  /**
   * Copies the write-ahead log into the file and truncates it: older versions of changed documents
   * leave the log. Between writes, so no transaction is open on this connection; a reader in the
   * middle of a read can keep the log from emptying, which the next scrub finishes.
   */
  override scrub(): Promise<void> {
    return this.exclusive(async () => void this.writer.pragma('wal_checkpoint(TRUNCATE)'));
  }

  async close(): Promise<void> {
    await this.writeQueue.catch(() => undefined);
    this.reader.close();
    this.writer.close();
  }

  /** Reads never create tables: an absent collection simply has no documents. */
  private exists(collection: string): boolean {
    if (this.knownTables.has(collection)) return true;
    assertCollectionName(collection);
    return (
      prepare(this.reader, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(collection) !==
      undefined
    );
  }

  /** Validates the name and creates the table on first write. */
  private table(collection: string): string {
    if (!this.knownTables.has(collection)) {
      assertCollectionName(collection);
      this.writer.exec(`CREATE TABLE IF NOT EXISTS "${collection}" (id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
      this.knownTables.add(collection);
    }
    return collection;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.writeQueue.then(work, work);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }
}

const statementCaches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Each SQL text is compiled once per connection: reads and projection writes run the same few constantly. */
function prepare<P extends unknown[] = unknown[], R = unknown>(
  db: Database.Database,
  sql: string,
): Database.Statement<P, R> {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map<string, Database.Statement>()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  // One cache for statements of every shape: the caller names the shape its SQL text has.
  return statement as unknown as Database.Statement<P, R>;
}

function open(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

function getFrom<T extends Document>(db: Database.Database, table: string, id: string): T | null {
  const row = prepare<[string], { body: string }>(db, `SELECT body FROM "${table}" WHERE id = ?`).get(id);
  return row ? (JSON.parse(row.body) as T) : null;
}

/** The same text in queries and index definitions, so SQLite matches them to each other. */
function fieldExpression(field: string): string {
  return field === 'id' ? 'id' : `json_extract(body, '$.${field}')`;
}

/** SQLite has no boolean; JSON true/false read back through json_extract as 1/0. */
function bindable(value: Scalar): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** Keyset condition "strictly after (value, id)"; SQL NULLs sort first ascending, as in MongoDB. */
function afterKeyClause(expression: string, after: '>' | '<', value: Scalar): string {
  if (value === null) {
    return after === '>'
      ? `(${expression} IS NOT NULL OR (${expression} IS NULL AND id > ?))`
      : `(${expression} IS NULL AND id < ?)`;
  }
  const beyond = after === '>' ? `${expression} > ?` : `(${expression} < ? OR ${expression} IS NULL)`;
  return `(${beyond} OR (${expression} = ? AND id ${after} ?))`;
}
