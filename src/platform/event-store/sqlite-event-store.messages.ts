import type { ExpectedRevision } from './event-store';

/**
 * What the embedded event store's main thread and its writer thread (`sqlite-event-store.worker.js`)
 * tell each other: types only (the worker cannot load a TypeScript module at run time), read by the
 * adapter and, through JSDoc, by the worker. Both are one adapter, `SqliteEventStore`; nothing else
 * sends these.
 */

/** What the writer is started with (`workerData`). */
export interface WriterData {
  /** The SQLite file, its schema already created by the main thread's connection. */
  readonly file: string;
  /** `SyncGate.cells` when a test holds the writer's syncs in its hand. */
  readonly syncGate?: Int32Array;
}

/**
 * One group commit: every append queued during one turn of the main thread's event loop, in
 * arrival order, as one string: `BatchHeader` as JSON, then each event's data and metadata (JSON
 * texts, as stored), all joined by U+0000, which no JSON text holds unescaped. One string because
 * the structured clone between the threads copies a string at memory speed but pays for each value
 * it visits: arrays of a few strings per event cost the main thread twice as much to post.
 */
export interface AppendBatch {
  readonly kind: 'append';
  readonly rows: string;
}

/** What `AppendBatch.rows` starts with: everything of the rows but the events' data and metadata. */
export interface BatchHeader {
  /** ISO-8601, one for the whole batch, as the store has always stamped a group commit. */
  readonly recordedAt: string;
  /** Per append, in arrival order: its stream, expected revision and number of events. */
  readonly streams: readonly string[];
  readonly expected: readonly ExpectedRevision[];
  readonly counts: readonly number[];
  /** Per event, every append's events one after the other. */
  readonly ids: readonly string[];
  readonly types: readonly string[];
}

/** Subscriptions exist (`on`) or no longer do: whether to watch for other processes' commits. */
export interface WatchRequest {
  readonly kind: 'watch';
  readonly on: boolean;
}

/** Sent once every batch has been answered: close the connection and stop. */
export interface CloseRequest {
  readonly kind: 'close';
}

export type WriterRequest = AppendBatch | WatchRequest | CloseRequest;

/** Why one append of a committed transaction was refused; it was rolled back alone. */
export type Refusal =
  | { readonly index: number; readonly actual: number | 'no_stream' }
  | { readonly index: number; readonly message: string; readonly code?: string };

/** One transaction committed: the answer to the `batches` oldest batches not yet answered. */
export interface Written {
  readonly batches: number;
  /**
   * Two numbers per append of those batches, in order: the position and the revision of its first
   * event (an append's events take consecutive positions and revisions), or -1, -1 when refused.
   */
  readonly firsts: number[];
  /** The refused appends, `index` counting the appends of these batches from 0. */
  readonly refusals: Refusal[];
  /** The newest position in the file as this transaction committed. */
  readonly head: number;
}

/** The transaction failed as a whole (say the file stayed locked): nothing of its batches was written. */
export interface NotWritten {
  readonly batches: number;
  readonly notWritten: { readonly message: string; readonly code?: string };
}

/**
 * What became of the oldest transactions not yet answered, in commit order, once the WAL holding
 * them has been synced: everything written up to them is durable.
 */
export interface Answered {
  readonly kind: 'answered';
  readonly outcomes: ReadonlyArray<Written | NotWritten>;
}

/** The WAL could not be synced: what was committed may or may not be on disk. Fatal; the writer stops. */
export interface SyncFailed {
  readonly kind: 'sync-failed';
  readonly message: string;
}

/** Another connection committed to the file since the last look (`PRAGMA data_version`), or watching just began. */
export interface OthersWrote {
  readonly kind: 'others-wrote';
}

export type WriterReply = Answered | SyncFailed | OthersWrote;
