import type { Tracer } from '@opentelemetry/api';
import {
  type Document,
  type FindOptions,
  type IndexSpec,
  type Page,
  ReadStore,
  type ReadStoreWriter,
} from '../read-store/read-store';
import { inSpan } from './spans';
import type { ReadStoreKind } from './tracing';

/**
 * A read store with a span around each transaction: a projection's batch, a lease renewal's
 * writes. The MongoDB instrumentation's command spans nest inside it; the embedded store's work is
 * the span itself. Installed only when traces are exported; everything else passes straight through.
 */
export class TracedReadStore extends ReadStore {
  constructor(
    private readonly store: ReadStore,
    private readonly tracer: Tracer,
    private readonly kind: ReadStoreKind,
  ) {
    super();
  }

  /**
   * The span names the collections the transaction wrote (`airisk.read_store.collections`, e.g.
   * `grants_v3,projection_checkpoints`): which projection's batch it was, without a document's content.
   */
  transaction<T>(work: (tx: ReadStoreWriter) => Promise<T>): Promise<T> {
    return inSpan(this.tracer, 'read-store transaction', { 'airisk.store.kind': this.kind }, async (span) => {
      const written = new Set<string>();
      try {
        return await this.store.transaction((tx) => work(recordingWrites(tx, written)));
      } finally {
        if (written.size > 0) span.setAttribute('airisk.read_store.collections', [...written].sort().join(','));
      }
    });
  }

  get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    return this.store.get<T>(collection, id);
  }

  find<T extends Document = Document>(collection: string, options: FindOptions): Promise<Page<T>> {
    return this.store.find<T>(collection, options);
  }

  upsert(collection: string, document: Document): Promise<void> {
    return this.store.upsert(collection, document);
  }

  patch(collection: string, id: string, fields: Readonly<Record<string, unknown>>): Promise<boolean> {
    return this.store.patch(collection, id, fields);
  }

  delete(collection: string, id: string): Promise<boolean> {
    return this.store.delete(collection, id);
  }

  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void> {
    return this.store.ensureIndexes(collection, indexes);
  }

  dropCollection(collection: string): Promise<void> {
    return this.store.dropCollection(collection);
  }

  listCollections(): Promise<string[]> {
    return this.store.listCollections();
  }

  tryAcquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.store.tryAcquireLease(name, owner, ttlMs);
  }

  releaseLease(name: string, owner: string): Promise<void> {
    return this.store.releaseLease(name, owner);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  verifyServer(): Promise<string> {
    return this.store.verifyServer();
  }

  scrub(): Promise<void> {
    return this.store.scrub();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** `tx`, noting the name of every collection written through it. */
function recordingWrites(tx: ReadStoreWriter, written: Set<string>): ReadStoreWriter {
  return {
    get: (collection, id) => tx.get(collection, id),
    upsert: (collection, document) => {
      written.add(collection);
      return tx.upsert(collection, document);
    },
    patch: (collection, id, fields) => {
      written.add(collection);
      return tx.patch(collection, id, fields);
    },
    delete: (collection, id) => {
      written.add(collection);
      return tx.delete(collection, id);
    },
  };
}
