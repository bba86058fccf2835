import {
  type Db,
  MongoClient,
  type MongoClientOptions,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { StoreUnavailableError, withDeadline } from '../store-unavailable';

const DEFAULT_DATABASE = 'airisk_identity';

/**
 * The MongoDB client of one store adapter (the read store, the personal-data key store), and how it
 * meets an absent server. A server that is down at start or later costs failed calls, never the
 * process. The first call connects; a failed first connection is thrown away and the next call
 * starts a new one, because the driver keeps a client whose first connection failed closed for good
 * (every later operation is `MongoTopologyClosedError`); once connected, the driver reconnects by
 * itself. Every call has a deadline (`timeoutMs`, also the driver's server-selection and connect
 * timeouts) and reports "cannot reach the server" as `StoreUnavailableError`.
 */
export class MongoConnection {
  private connectedClient?: MongoClient;
  private database?: Db;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(
    private readonly uri: string,
    private readonly timeoutMs: number,
    /** Names the store in its errors, when it is not the read store itself. */
    private readonly label?: string,
    private readonly clientOptions: MongoClientOptions = {},
  ) {}

  /** The database the URI names (`airisk_identity` when it names none); inside `call` only. */
  get db(): Db {
    if (!this.database) throw new StoreUnavailableError('readStore', this.message('not connected'));
    return this.database;
  }

  /** The client, for sessions; inside `call` only. */
  get client(): MongoClient {
    if (!this.connectedClient) throw new StoreUnavailableError('readStore', this.message('not connected'));
    return this.connectedClient;
  }

  /** `work` once connected, within the deadline; the driver's connection failures as `StoreUnavailableError`. */
  async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(
        this.connected().then(work),
        this.timeoutMs,
        () => new StoreUnavailableError('readStore', this.message(`no answer within ${this.timeoutMs} ms`)),
      );
    } catch (error) {
      if (isUnavailable(error)) throw new StoreUnavailableError('readStore', this.message((error as Error).message));
      throw error;
    }
  }

  /** Also ends a connection attempt in progress, so shutdown never waits for an absent server. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connectedClient?.close();
  }

  /** One connection attempt at a time; a failed one is discarded so the next call tries afresh. */
  private connected(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.label ?? 'read store'} is closed`));
    if (this.connecting) return this.connecting;
    const client = (this.connectedClient = new MongoClient(this.uri, {
      ...this.clientOptions,
      serverSelectionTimeoutMS: this.timeoutMs,
      connectTimeoutMS: this.timeoutMs,
    }));
    this.connecting = client.connect().then(
      () => {
        this.database = client.db(databaseNameIn(this.uri) ?? DEFAULT_DATABASE);
      },
      async (error: unknown) => {
        this.connecting = undefined;
        if (this.connectedClient === client) this.connectedClient = undefined;
        await client.close().catch(() => undefined);
        throw error;
      },
    );
    return this.connecting;
  }

  private message(text: string): string {
    return this.label ? `${this.label}: ${text}` : text;
  }
}

/**
 * Server error codes that mean "this server cannot take the operation now" (a replica set electing
 * a primary, a member shutting down or unreachable), not "this operation is wrong": the caller gets a
 * 503 and retries, as for a server that cannot be reached at all.
 */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

function isUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError || // PoolClearedError included
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    (error instanceof MongoServerError && UNAVAILABLE_CODES.has(Number(error.code)))
  );
}

/**
 * The database named in the URI's path (`mongodb://host/db?opts`), if any. The driver itself
 * falls back to `test`, which would make "no database given" indistinguishable from `test`.
 */
function databaseNameIn(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}
