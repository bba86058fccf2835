import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import openApiMetadata from './metadata';
import type { AppConfig } from './config/app-config';
import { OAuthErrorFilter, TOKEN_STYLE_PATHS } from './oauth/oauth-error';
import { OAUTH_ENDPOINT_DOCUMENTATION } from './oauth/oauth-routes';
import { createFastifyAdapter } from './platform/http/fastify-adapter';
import { serveOpenApi } from './platform/http/openapi';
import { ProblemDetailsFilter } from './platform/http/problem-details';
import { useSecurityHeaders } from './platform/http/security-headers';
import { limitAnonymousRequests } from './platform/http/anonymous-rate-limit';
import { createValidationPipe } from './platform/http/validation';
import { NestPinoLogger } from './platform/logging/logger';
import { Metrics } from './platform/metrics/metrics';
import { serveMetrics } from './platform/metrics/metrics-endpoint';
import { assertStorageSettings } from './platform/storage';
import { tracing } from './platform/tracing/tracing';

/** Read once at start: the version the OpenAPI document announces. */
const SERVICE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

/** The whole service as one Nest application, ready to `listen` (used by `main.ts` and the e2e tests). */
export async function createApp(config: AppConfig, adminKey: string, logger: Logger): Promise<NestFastifyApplication> {
  assertStorageSettings(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.create(config, adminKey),
    createFastifyAdapter(logger, config),
    {
      logger: new NestPinoLogger(logger),
      bufferLogs: false,
    },
  );
  app.useGlobalPipes(createValidationPipe());
  const oauthErrors = new OAuthErrorFilter();
  app.useGlobalFilters(new ProblemDetailsFilter(new Map(TOKEN_STYLE_PATHS.map((path) => [path, oauthErrors]))));
  useSecurityHeaders(app, config.issuer);
  serveMetrics(app, app.get(Metrics), config.metricsToken);
  tracing()?.nameRequestSpans(app.getHttpAdapter().getInstance());
  await limitAnonymousRequests(app, config.anonymousRateLimitPerMinute);
  await serveOpenApi(app, SERVICE_VERSION, OAUTH_ENDPOINT_DOCUMENTATION, openApiMetadata);
  // No enableShutdownHooks: main.ts handles the signals (exitOnSignals), with a deadline Nest lacks.
  return app;
}
