// @ts-check
'use strict';
/**
 * The embedded event store's writer: part of the adapter `SqliteEventStore` (sqlite-event-store.ts),
 * run on a `worker_thread` of its own so that the group commit's SQLite transaction and the WAL's
 * fsync cost the request event loop nothing but a message each way.
 *
 * Plain JavaScript, because a worker thread runs a file as Node loads it and the specs run the
 * TypeScript sources: this file is the same beside the sources (jest) and in dist (`npm run build` copies
 * it; `npm run typecheck` checks it against the message types through `tsconfig.worker.json`).
 *
 * For each batch posted (and every batch that queued up behind it while the previous sync ran), one
 * transaction: each append checked against its own expected revision inside a savepoint, so a
 * refused append rolls back alone; committed with `synchronous = NORMAL` (WAL written, not yet
 * synced), then the WAL fdatasync'd on this thread, then answered. A failed sync is fatal: the
 * writer says so and writes nothing more.
 */
const { closeSync, fdatasyncSync, openSync } = require('node:fs');
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

/** @typedef {import('./sqlite-event-store.messages').WriterData} WriterData */
/** @typedef {import('./sqlite-event-store.messages').WriterRequest} WriterRequest */
/** @typedef {import('./sqlite-event-store.messages').AppendBatch} AppendBatch */
/** @typedef {import('./sqlite-event-store.messages').BatchHeader} BatchHeader */
/** @typedef {import('./sqlite-event-store.messages').WriterReply} WriterReply */
/** @typedef {import('./sqlite-event-store.messages').Refusal} Refusal */

/**
 * How often, while anything is subscribed, the writer asks SQLite whether another process has
 * committed (`PRAGMA data_version`, a counter read without touching the file's pages: microseconds):
 * other instances' writes reach this one's subscriptions within this bound (plus a sync under way).
 */
const OTHER_WRITERS_CHECK_MS = 50;
/** At most this many queued batches folded into one transaction. */
const MOST_BATCHES_PER_TRANSACTION = 256;
/** Between the parts of `AppendBatch.rows`. */
const SEPARATOR = '\u0000';

if (!parentPort) throw new Error('sqlite-event-store.worker.js runs as a worker thread of SqliteEventStore');
const port = parentPort;
const { file, syncGate } = /** @type {WriterData} */ (workerData);

const db = new Database(file);
// The fsync of each commit is this thread's own, after COMMIT (see the file header).
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const statements = {
  lastRevision: /** @type {import('better-sqlite3').Statement<[string], number | null>} */ (
    db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck()
  ),
  insert: db.prepare(
    'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
  head: /** @type {import('better-sqlite3').Statement<[], number | null>} */ (
    db.prepare('SELECT max(position) FROM events').pluck()
  ),
  // Changes exactly when another connection (another process) commits to the file.
  dataVersion: /** @type {import('better-sqlite3').Statement<[], number>} */ (
    db.prepare('PRAGMA data_version').pluck()
  ),
};
statements.head.get(); // a read, so that the WAL exists for this connection before its descriptor is opened
// The WAL keeps its inode while a connection is open (the main thread's stays open longer than this one).
// Opened for writing: some platforms refuse to flush a descriptor opened read-only.
const wal = openSync(`${file}-wal`, 'r+');

/** An append refused for its expected revision, carried out of the savepoint that it rolls back. */
class WrongRevision extends Error {
  /** @param {number | 'no_stream'} actual */
  constructor(actual) {
    super('wrong expected revision');
    this.actual = actual;
  }
}

/**
 * A batch's rows, read back out of `AppendBatch.rows`.
 * @typedef {{ header: BatchHeader, texts: string[] }} Rows
 */

/** @param {AppendBatch} batch @returns {Rows} */
function rowsOf(batch) {
  const texts = batch.rows.split(SEPARATOR);
  return { header: JSON.parse(texts[0]), texts };
}

/**
 * One append, inside a savepoint (a better-sqlite3 transaction nested in another is one).
 * Answers the position and revision of its first event.
 */
const writeOne = db.transaction(
  /**
   * @param {Rows} rows
   * @param {number} append index of the append in the batch
   * @param {number} from index of its first event in the batch
   * @returns {[number, number]}
   */
  ({ header, texts }, append, from) => {
    const stream = header.streams[append];
    const expected = header.expected[append];
    const last = statements.lastRevision.get(stream) ?? null;
    if (expected !== 'any' && (expected === 'no_stream' ? last !== null : last !== expected))
      throw new WrongRevision(last ?? 'no_stream');
    const firstRevision = (last ?? -1) + 1;
    let firstPosition = -1;
    for (let i = 0; i < header.counts[append]; i++) {
      const event = from + i;
      const { lastInsertRowid } = statements.insert.run(
        header.ids[event],
        stream,
        firstRevision + i,
        header.types[event],
        texts[1 + 2 * event],
        texts[2 + 2 * event],
        header.recordedAt,
      );
      const position = Number(lastInsertRowid);
      if (i === 0) firstPosition = position;
      // The main thread numbers the events of an append from its first: true of AUTOINCREMENT within one write transaction.
      else if (position !== firstPosition + i) throw new Error(`position ${position} follows ${position - 1}`);
    }
    return [firstPosition, firstRevision];
  },
);

/** The group commit of `batches`: fills `firsts` and `refusals` (see `Written`), answers the head. */
const writeAll = db.transaction(
  /**
   * @param {Rows[]} batches
   * @param {number[]} firsts
   * @param {Refusal[]} refusals
   * @returns {number}
   */
  (batches, firsts, refusals) => {
    let index = 0;
    for (const rows of batches) {
      let from = 0;
      for (let append = 0; append < rows.header.streams.length; append++, index++) {
        try {
          firsts.push(...writeOne(rows, append, from));
        } catch (error) {
          firsts.push(-1, -1);
          refusals.push(refusal(index, error));
        }
        from += rows.header.counts[append];
      }
    }
    return statements.head.get() ?? 0;
  },
);

/**
 * @param {number} index
 * @param {unknown} error
 * @returns {Refusal}
 */
function refusal(index, error) {
  if (error instanceof WrongRevision) return { index, actual: error.actual };
  if (error instanceof Database.SqliteError) return { index, message: error.message, code: error.code };
  return { index, message: error instanceof Error ? error.message : String(error) };
}

/** A test's `SyncGate`: holds each sync while it says hold, fails it while it says fail. */
function passSyncGate() {
  if (!syncGate) return;
  for (;;) {
    const mode = Atomics.load(syncGate, 0);
    if (mode === 0) return;
    if (mode === 2) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    Atomics.add(syncGate, 1, 1);
    Atomics.wait(syncGate, 0, mode);
    Atomics.sub(syncGate, 1, 1);
  }
}

let broken = false;
let closing = false;
/** @type {NodeJS.Timeout | undefined} */
let othersWatch;

/** @param {WriterReply} reply */
function answer(reply) {
  port.postMessage(reply);
}

/**
 * Commits `batches` in one transaction, then syncs the WAL on this thread before answering. While
 * the sync runs, new batches wait in the port and join the next transaction: the main thread's
 * `postMessage` then finds this thread busy in `fdatasync` rather than asleep in its event loop,
 * and waking a sleeping thread is what a handoff costs the sender most (tens of microseconds).
 * @param {AppendBatch[]} batches
 */
function write(batches) {
  if (broken) return; // the main thread has already failed every append; it is about to stop this thread
  /** @type {number[]} */
  const firsts = [];
  /** @type {Refusal[]} */
  const refusals = [];
  let head;
  try {
    head = writeAll.immediate(batches.map(rowsOf), firsts, refusals);
  } catch (error) {
    const { message, code } =
      error instanceof Database.SqliteError ? error : { message: String(error), code: undefined };
    // Nothing of it was written, and everything before it was answered already: nothing to sync.
    answer({ kind: 'answered', outcomes: [{ batches: batches.length, notWritten: { message, code } }] });
    return;
  }
  try {
    passSyncGate();
    fdatasyncSync(wal);
  } catch (error) {
    broken = true;
    answer({ kind: 'sync-failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  answer({ kind: 'answered', outcomes: [{ batches: batches.length, firsts, refusals, head }] });
}

/** @param {boolean} on */
function watchOthers(on) {
  if (!on) {
    clearInterval(othersWatch);
    othersWatch = undefined;
    return;
  }
  if (othersWatch) return;
  let version = statements.dataVersion.get();
  othersWatch = setInterval(() => {
    const now = statements.dataVersion.get();
    if (now === version) return;
    version = now;
    answer({ kind: 'others-wrote' });
  }, OTHER_WRITERS_CHECK_MS);
  // Whatever another process committed before `version` was read, the subscriptions read it now.
  answer({ kind: 'others-wrote' });
}

/** @param {WriterRequest} request */
function handle(request) {
  if (request.kind === 'watch') watchOthers(request.on && !broken);
  else if (request.kind === 'close') closing = true;
}

/** Closes the connection and ends this thread (every batch has been answered: the main thread waited). */
function stop() {
  watchOthers(false);
  db.close();
  closeSync(wal);
  process.exit(0);
}

port.on('message', (/** @type {WriterRequest} */ first) => {
  /** @type {AppendBatch[]} */
  const batches = [];
  if (first.kind === 'append') batches.push(first);
  else handle(first);
  // Batches that arrived while the last transaction synced join this one: one transaction, one sync.
  while (batches.length > 0 && batches.length < MOST_BATCHES_PER_TRANSACTION) {
    const next = receiveMessageOnPort(port);
    if (!next) break;
    const request = /** @type {WriterRequest} */ (next.message);
    if (request.kind === 'append') batches.push(request);
    else handle(request);
  }
  if (batches.length > 0) write(batches);
  if (closing) stop();
});
