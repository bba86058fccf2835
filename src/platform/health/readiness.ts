import { Injectable } from '@nestjs/common';
import { LiveViewRunner, LiveViewStatus } from '../projections/live-view-runner';
import { ProjectionRunner, ProjectionStatus } from '../projections/projection-runner';
import { StoreHealth, StoreMonitor } from './store-monitor';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly eventStore: StoreHealth;
  readonly readStore: StoreHealth;
  readonly projections: ProjectionStatus[];
  readonly liveViews: LiveViewStatus;
}

/**
 * Ready = both stores answer and are servers this service supports, every projection has caught
 * up (live, or following another instance that writes it), none has stopped, the in-memory
 * security views are live, and the process is not draining for shutdown. The store states come
 * from the `StoreMonitor`, which probes in the background: a readiness request never waits on a
 * store that does not answer.
 */
@Injectable()
export class Readiness {
  private draining = false;

  constructor(
    private readonly stores: StoreMonitor,
    private readonly runner: ProjectionRunner,
    private readonly liveViews: LiveViewRunner,
  ) {}

  drain(): void {
    this.draining = true;
  }

  report(): ReadinessReport {
    const eventStore = this.stores.health('eventStore');
    const readStore = this.stores.health('readStore');
    const projections = this.runner.statuses();
    const projectionsReady = projections.every((status) => status.state === 'live' || status.state === 'standby');
    const liveViews = this.liveViews.status();
    return {
      ready:
        !this.draining &&
        eventStore.state === 'up' &&
        readStore.state === 'up' &&
        projectionsReady &&
        liveViews.state === 'live',
      draining: this.draining,
      eventStore,
      readStore,
      projections,
      liveViews,
    };
  }
}
