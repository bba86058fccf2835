import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Type,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AdminGuard, AdminKey, AuditGuard } from './auth/admin.guard';
import { EventStore } from './event-store/event-store';
import { HealthController } from './health/health.controller';
import { Readiness } from './health/readiness';
import { LIVE_VIEWS, LiveView } from './projections/live-view';
import { LiveViewRunner } from './projections/live-view-runner';
import { Projection } from './projections/projection';
import { ProjectionRunner } from './projections/projection-runner';
import { PROJECTIONS } from './projections/projections.token';
import { ReadYourWrites } from './projections/read-your-writes';
import { FindDocumentsHandler, GetDocumentHandler } from './read-store/document.queries';
import { ReadModels } from './read-store/read-models';
import { ReadStore } from './read-store/read-store';
import { openEventStore, openReadStore } from './storage';

/**
 * Starts the projections once the app is up and, on shutdown, stops them and closes the stores,
 * in that order, after the HTTP server has drained (Nest closes it before shutdown hooks).
 */
class PlatformLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('platform');

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly readiness: Readiness,
    private readonly liveViews: LiveViewRunner,
  ) {}

  /** The security views must hold everything before the first request is taken: they fail closed until then. */
  async onApplicationBootstrap(): Promise<void> {
    this.liveViews.start();
    await this.runner.start();
    await this.liveViews.whenCaughtUp();
  }

  beforeApplicationShutdown(signal?: string): void {
    this.readiness.drain();
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}: draining requests`);
  }

  async onApplicationShutdown(): Promise<void> {
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
  }): DynamicModule {
    const logger = new Logger('projections');
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: AdminKey, useValue: new AdminKey(options.adminKey) },
        { provide: PROJECTIONS, useValue: options.projections },
        ...options.liveViews,
        { provide: LIVE_VIEWS, inject: [...options.liveViews], useFactory: (...views: LiveView[]) => views },
        LiveViewRunner,
        AdminGuard,
        AuditGuard,
        Readiness,
        ReadYourWrites,
        ReadModels,
        GetDocumentHandler,
        FindDocumentsHandler,
        {
          provide: EventStore,
          inject: [AppConfig],
          useFactory: openEventStore,
        },
        {
          provide: ReadStore,
          inject: [AppConfig],
          useFactory: openReadStore,
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
          provide: PlatformLifecycle,
          inject: [ProjectionRunner, EventStore, ReadStore, Readiness, LiveViewRunner],
          useFactory: (
            runner: ProjectionRunner,
            events: EventStore,
            reads: ReadStore,
            readiness: Readiness,
            liveViews: LiveViewRunner,
          ) => new PlatformLifecycle(runner, events, reads, readiness, liveViews),
        },
      ],
      exports: [
        AppConfig,
        AdminKey,
        AdminGuard,
        AuditGuard,
        EventStore,
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
