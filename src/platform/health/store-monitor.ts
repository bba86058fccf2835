import { Injectable, Logger } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { ReadStore } from '../read-store/read-store';
import { Stopping } from '../stopping';
import { StoreName, UnsupportedStoreError } from '../store-unavailable';
import { Backoff } from './backoff';
import { errorMessage } from '../logging/error-message';

export type StoreState = 'connecting' | 'up' | 'down' | 'unsupported';

export interface StoreHealth {
  readonly state: StoreState;
  /** The server and its version, once it has answered (e.g. "EventStoreDB 24.10.0"). */
  readonly server?: string;
  /** Why it is not up. */
  readonly reason?: string;
  /** When it entered this state. */
  readonly since: string;
}

/** How often a store that is up is pinged: how soon readiness turns red when it goes away. */
const UP_PROBE_INTERVAL_MS = 2_000;
/** A server this service cannot run on is asked again rarely: it takes an operator to change it. */
const UNSUPPORTED_RETRY_MS = 30_000;

interface Probed {
  readonly name: StoreName;
  readonly store: { ping(): Promise<void>; verifyServer(): Promise<string> };
  health: StoreHealth;
}

/**
 * Watches both stores for the life of the process: a store that does not answer is retried with
 * backoff and never ends the process; each change of state is logged once. The server's version
 * and topology are checked every time a store comes (back) up, so a server replaced by an
 * unsupported one is refused too. Readiness reports what this holds.
 */
@Injectable()
export class StoreMonitor {
  private readonly logger = new Logger('stores');
  private readonly stopping = new Stopping();
  private readonly probed: Probed[];
  private changed: Array<() => void> = [];

  constructor(events: EventStore, reads: ReadStore) {
    const connecting = (): StoreHealth => ({ state: 'connecting', since: new Date().toISOString() });
    this.probed = [
      { name: 'eventStore', store: events, health: connecting() },
      { name: 'readStore', store: reads, health: connecting() },
    ];
  }

  /** Starts watching; resolves once each store has been probed once (up or not). */
  async start(): Promise<void> {
    await Promise.all(
      this.probed.map(async (entry) => {
        await this.probe(entry);
        void this.watch(entry); // never rejects: every probe failure becomes a state
      }),
    );
  }

  stop(): void {
    this.stopping.request();
    this.notify();
  }

  health(name: StoreName): StoreHealth {
    return this.probed.find((entry) => entry.name === name)!.health;
  }

  allUp(): boolean {
    return this.probed.every((entry) => entry.health.state === 'up');
  }

  /** Resolves once both stores are up; false when the monitor stops first. */
  async whenAllUp(): Promise<boolean> {
    while (!this.allUp()) {
      if (this.stopping.requested) return false;
      await new Promise<void>((resolve) => this.changed.push(resolve));
    }
    return true;
  }

  private async watch(entry: Probed): Promise<void> {
    const backoff = new Backoff();
    while (!this.stopping.requested) {
      const { state } = entry.health;
      if (state === 'up') backoff.reset();
      const delay =
        state === 'up' ? UP_PROBE_INTERVAL_MS : state === 'unsupported' ? UNSUPPORTED_RETRY_MS : backoff.next();
      await this.stopping.pause(delay);
      if (!this.stopping.requested) await this.probe(entry);
    }
  }

  /** A store that was not up is verified (version, topology); one that was up is pinged. */
  private async probe(entry: Probed): Promise<void> {
    const was = entry.health;
    try {
      // A real round trip first: a client may answer the version from what it remembers.
      await entry.store.ping();
      if (was.state === 'up') return;
      const server = await entry.store.verifyServer();
      this.enter(entry, { state: 'up', server, since: new Date().toISOString() });
    } catch (error) {
      if (this.stopping.requested) return; // the store was closed for shutdown
      const unsupported = error instanceof UnsupportedStoreError;
      if (was.state === (unsupported ? 'unsupported' : 'down')) return;
      this.enter(
        entry,
        {
          state: unsupported ? 'unsupported' : 'down',
          // Readiness is public: the client library's own words (addresses, ports) go to the log only.
          reason: unsupported ? error.message : 'not reachable or not answering in time; retrying',
          ...(was.server ? { server: was.server } : {}),
          since: new Date().toISOString(),
        },
        error,
      );
    }
  }

  private enter(entry: Probed, health: StoreHealth, cause?: unknown): void {
    entry.health = health;
    const label = entry.name === 'eventStore' ? 'event store' : 'read store';
    if (health.state === 'up') this.logger.log(`${label} up: ${health.server}`);
    else if (health.state === 'unsupported') this.logger.error(`${label} refused: ${health.reason}`);
    else this.logger.warn(`${label} unreachable, retrying with backoff: ${errorMessage(cause)}`);
    this.notify();
  }

  private notify(): void {
    const waiting = this.changed;
    this.changed = [];
    for (const resolve of waiting) resolve();
  }
}
