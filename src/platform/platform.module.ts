import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  type Provider,
  Type,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AdminGuard, AdminKey, AuditGuard } from './auth/admin.guard';
import { EventStore } from './event-store/event-store';
import { Backoff } from './health/backoff';
import { HealthController } from './health/health.controller';
import { Readiness } from './health/readiness';
import { StoreMonitor } from './health/store-monitor';
import { LIVE_VIEWS, LiveView } from './projections/live-view';
import { LiveViewRunner } from './projections/live-view-runner';
import { Metrics } from './metrics/metrics';
import { projectionReadings } from './metrics/projection-readings';
import { Projection } from './projections/projection';
import { ProjectionRunner } from './projections/projection-runner';
import { PROJECTIONS } from './projections/projections.token';
import { ReadYourWrites } from './projections/read-your-writes';
import { FindDocumentsHandler, GetDocumentHandler } from './read-store/document.queries';
import { ReadModels } from './read-store/read-models';
import { ReadStore } from './read-store/read-store';
import { openEventStore, openPersonalDataKeys, openReadStore } from './storage';
import {
  type PersonalDataCatalogue,
  PersonalDataEventStore,
  STORED_EVENTS,
} from './personal-data/personal-data-event-store';
import { PersonalDataKeyRing } from './personal-data/personal-data-key-ring';
import { PersonalDataSecrets } from './personal-data/personal-data-secrets';
import { errorMessage } from './logging/error-message';
import { tracing } from './tracing/tracing';

/**
 * Starts the projections and live views once both stores answer and, on shutdown, stops them and
 * closes the stores, in that order, after the HTTP server has drained (Nest closes it before
 * shutdown hooks). A store that is down at start never stops the process: it listens at once,
 * `/health/ready` says which store it waits for, and everything starts when the stores answer.
 */
/** How long listening waits for the live views at boot when the stores answer. */
const BOOT_WAIT_MS = 10_000;

class PlatformLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('platform');
  private readonly stopping = new AbortController();
  private startup?: Promise<void>;

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly readiness: Readiness,
    private readonly liveViews: LiveViewRunner,
    private readonly stores: StoreMonitor,
  ) {}

  /**
   * When the stores answer at boot, listening waits (a bounded while) for the security views to
   * hold everything, as they fail closed until then; otherwise, or past that bound, the service
   * listens meanwhile, live and not ready, so a liveness probe never restarts a slow start.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.stores.start();
    this.startup = this.startWhenStoresAnswer();
    if (!this.stores.allUp()) return;
    const waited = new AbortController();
    const bound = sleep(BOOT_WAIT_MS, undefined, { signal: waited.signal }).catch(() => undefined);
    await Promise.race([this.startup, bound]);
    waited.abort();
  }

  private async startWhenStoresAnswer(): Promise<void> {
    const backoff = new Backoff();
    for (;;) {
      if (!(await this.stores.whenAllUp())) return;
      try {
        await this.runner.start(); // indexes and checkpoints: the read store may fail it again
        break;
      } catch (error) {
        this.logger.warn(`projections not started yet, retrying: ${errorMessage(error)}`);
        const stopped = await sleep(backoff.next(), undefined, { signal: this.stopping.signal }).catch(() => true);
        if (stopped) return;
      }
    }
    this.liveViews.start();
    await this.liveViews.whenCaughtUp();
  }

  beforeApplicationShutdown(signal?: string): void {
    this.readiness.drain();
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}: draining requests`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.stores.stop();
    await Promise.all([this.runner.stop(), this.liveViews.stop()]);
    await Promise.all([this.events.close(), this.reads.close()]);
    this.logger.log('projections stopped, stores closed');
  }
}

/** Infrastructure for every context: stores (embedded or production, by configuration), projections, admin auth, health. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: {
    config: AppConfig;
    adminKey: string;
    projections: readonly Projection[];
    liveViews: readonly Type<LiveView>[];
    personalData: PersonalDataCatalogue;
  }): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: AdminKey, useValue: new AdminKey(options.adminKey) },
        // One registry per app: apps started side by side in one process keep their own metrics.
        { provide: Metrics, useFactory: () => new Metrics() },
        { provide: PROJECTIONS, useValue: options.projections },
        ...options.liveViews,
        { provide: LIVE_VIEWS, inject: [...options.liveViews], useFactory: (...views: LiveView[]) => views },
        LiveViewRunner,
        AdminGuard,
        AuditGuard,
        Readiness,
        StoreMonitor,
        ReadYourWrites,
        ReadModels,
        GetDocumentHandler,
        FindDocumentsHandler,
        ...storageProviders(options.personalData),
      ],
      exports: [
        AppConfig,
        AdminKey,
        Metrics,
        AdminGuard,
        AuditGuard,
        EventStore,
        STORED_EVENTS,
        PersonalDataSecrets,
        PersonalDataKeyRing,
        ReadStore,
        ProjectionRunner,
        ReadYourWrites,
        ReadModels,
        LiveViewRunner,
        ...options.liveViews,
      ],
    };
  }
}

/** Wires the runners' status into the metrics (a provider for its side effect, as the lifecycle is). */
const PROJECTION_METRICS = Symbol('PROJECTION_METRICS');

/** The two stores, chosen by configuration, and what runs on them: the projection runner and the lifecycle. */
function storageProviders(personalData: PersonalDataCatalogue): Provider[] {
  const logger = new Logger('projections');
  return [
    {
      provide: PersonalDataSecrets,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => PersonalDataSecrets.resolve(config),
    },
    {
      provide: PersonalDataKeyRing,
      inject: [AppConfig, PersonalDataSecrets],
      // The embedded key store is a local file: a wrong secret stops the start at once. On MongoDB
      // a server still down must not hold the start up (readiness says so): checked at first use.
      useFactory: async (config: AppConfig, secrets: PersonalDataSecrets) => {
        const keys = openPersonalDataKeys(config, secrets);
        if (!config.mongodbUri) await keys.verifySecret();
        return keys;
      },
    },
    {
      // What every reader and writer uses: personal data sealed on append, opened on read (architecture §4.1).
      provide: EventStore,
      inject: [STORED_EVENTS, PersonalDataKeyRing],
      useFactory: (stored: EventStore, keys: PersonalDataKeyRing) =>
        new PersonalDataEventStore(stored, keys, personalData),
    },
    {
      provide: STORED_EVENTS,
      inject: [AppConfig, Metrics],
      useFactory: (config: AppConfig, metrics: Metrics) =>
        openEventStore(
          config,
          {
            append: (seconds) => metrics.append(seconds),
            groupCommit: (events) => metrics.groupCommit(events),
          },
          tracing(),
        ),
    },
    {
      provide: ReadStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => openReadStore(config, tracing()),
    },
    {
      provide: ProjectionRunner,
      inject: [EventStore, ReadStore, PROJECTIONS],
      useFactory: (events: EventStore, reads: ReadStore, projections: readonly Projection[]) =>
        new ProjectionRunner(events, reads, projections, {
          onError: (name, event, error, parked) =>
            logger.error(
              `${name} ${parked ? 'parked' : 'stopped at'} ${event.type} ${event.stream}@${event.revision}: ${String(error)}`,
            ),
        }),
    },
    {
      // Read by `/metrics` at each scrape: nothing is recorded per event.
      provide: PROJECTION_METRICS,
      inject: [Metrics, ProjectionRunner, LiveViewRunner],
      useFactory: (metrics: Metrics, runner: ProjectionRunner, liveViews: LiveViewRunner) => {
        metrics.readProjections(() => projectionReadings(runner.statuses(), liveViews.status()));
        return true;
      },
    },
    {
      provide: PlatformLifecycle,
      inject: [ProjectionRunner, EventStore, ReadStore, Readiness, LiveViewRunner, StoreMonitor],
      useFactory: (
        runner: ProjectionRunner,
        events: EventStore,
        reads: ReadStore,
        readiness: Readiness,
        liveViews: LiveViewRunner,
        stores: StoreMonitor,
      ) => new PlatformLifecycle(runner, events, reads, readiness, liveViews, stores),
    },
  ];
}
