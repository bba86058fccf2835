import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PersonalDataKeys } from './personal-data-keys';

/** How long a call waits for the file's lock (another process writing or checkpointing). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The embedded key store: a SQLite file of its own (`personal-data-keys.sqlite` in the data
 * directory), so a read-model rebuild, which drops and recreates read-model tables, never touches
 * it. `secure_delete` overwrites a deleted key's bytes in the file, and every delete is followed by
 * a `wal_checkpoint(TRUNCATE)`, so they leave the write-ahead log too.
 */
export class SqlitePersonalDataKeys extends PersonalDataKeys {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly select: Database.Statement<[string], { wrapped: string }>;
  private readonly remove: Database.Statement<[string]>;
  /** A delete could not empty the log (a reader elsewhere held an older snapshot): the next call does. */
  private logHoldsDeleted = false;

  constructor(file: string) {
    super();
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('secure_delete = ON');
    // A key written is a key that must survive: a user's events are sealed under it right after.
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS personal_data_keys (subject TEXT PRIMARY KEY, wrapped TEXT NOT NULL, created_at TEXT NOT NULL)',
    );
    this.insert = this.db.prepare(
      'INSERT INTO personal_data_keys (subject, wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING',
    );
    this.select = this.db.prepare('SELECT wrapped FROM personal_data_keys WHERE subject = ?');
    this.remove = this.db.prepare('DELETE FROM personal_data_keys WHERE subject = ?');
  }

  async getOrInsert(subject: string, wrapped: string): Promise<string> {
    this.finishTruncation();
    this.insert.run(subject, wrapped, new Date().toISOString());
    return this.select.get(subject)!.wrapped;
  }

  async findMany(subjects: readonly string[]): Promise<Map<string, string>> {
    this.finishTruncation();
    const found = new Map<string, string>();
    for (const subject of new Set(subjects)) {
      const row = this.select.get(subject);
      if (row) found.set(subject, row.wrapped);
    }
    return found;
  }

  async delete(subject: string): Promise<void> {
    this.remove.run(subject);
    this.truncateLog();
  }

  /**
   * Copies the log into the file and empties it. A reader in another process holding an older
   * snapshot keeps it from finishing: then every later call tries again (the erasure reconciler's
   * pass makes one at the latest), until it does.
   */
  private truncateLog(): void {
    const [{ busy }] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    this.logHoldsDeleted = busy !== 0;
  }

  /** A pending truncation, tried without waiting: a reader still there delays the next call's try, not this call. */
  private finishTruncation(): void {
    if (!this.logHoldsDeleted) return;
    this.db.pragma('busy_timeout = 0');
    try {
      this.truncateLog();
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
