import { Injectable } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { LiveViewRunner, LiveViewStatus } from '../projections/live-view-runner';
import { ProjectionRunner, ProjectionStatus } from '../projections/projection-runner';
import { ReadStore } from '../read-store/read-store';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly eventStore: 'up' | 'down';
  readonly readStore: 'up' | 'down';
  readonly projections: ProjectionStatus[];
  readonly liveViews: LiveViewStatus;
}

const STORE_PROBE_TIMEOUT_MS = 2_000;

/**
 * Ready = both stores answer, every projection has caught up (live, or following another instance
 * that writes it), none has stopped, the in-memory security views are live, and the process is not
 * draining for shutdown.
 */
@Injectable()
export class Readiness {
  private draining = false;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly runner: ProjectionRunner,
    private readonly liveViews: LiveViewRunner,
  ) {}

  drain(): void {
    this.draining = true;
  }

  async report(): Promise<ReadinessReport> {
    const [eventStore, readStore] = await Promise.all([
      probe(() => this.events.ping()),
      probe(() => this.reads.ping()),
    ]);
    const projections = this.runner.statuses();
    const projectionsReady = projections.every((status) => status.state === 'live' || status.state === 'standby');
    const liveViews = this.liveViews.status();
    return {
      ready:
        !this.draining && eventStore === 'up' && readStore === 'up' && projectionsReady && liveViews.state === 'live',
      draining: this.draining,
      eventStore,
      readStore,
      projections,
      liveViews,
    };
  }
}

async function probe(ping: () => Promise<void>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), STORE_PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
