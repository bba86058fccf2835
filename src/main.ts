// First: tracing patches the modules the imports below load (see platform/tracing/start.ts).
import './platform/tracing/start';
import { AppConfig, ConfigurationError } from './config/app-config';
import { createApp } from './bootstrap';
import { resolveAdminKey } from './platform/auth/admin-api-key';
import { createLogger, StdoutLog } from './platform/logging/logger';
import { keepNewFilesPrivate } from './platform/file-modes';
import { exitOnSignals } from './platform/shutdown';
import { tracing } from './platform/tracing/tracing';

async function main(): Promise<void> {
  keepNewFilesPrivate();
  const config = AppConfig.fromEnvironment(process.env);
  const log = new StdoutLog();
  const logger = createLogger(config.logLevel, log.destination);
  const adminKey = resolveAdminKey(config);
  if (adminKey.generated) {
    // Shown once, on the terminal only: the structured log may be shipped elsewhere.
    process.stderr.write(
      `\nGenerated an admin API key (kept in ${adminKey.file}, mode 0600). Use it as\n` +
        `  Authorization: Bearer ${adminKey.key}\n\n`,
    );
  }
  const app = await createApp(config, adminKey.key, logger);
  exitOnSignals(app, logger, log, tracing());
  await app.listen({ port: config.port, host: config.host });
  logger.info(
    {
      url: await app.getUrl(),
      eventStore: config.eventStoreConnectionString ? 'eventstoredb' : `sqlite:${config.eventStoreFile}`,
      readStore: config.mongodbUri ? 'mongodb' : `sqlite:${config.readStoreFile}`,
      adminKey: adminKey.file ? `file:${adminKey.file}` : 'ADMIN_API_KEY',
    },
    'airisk-identity listening',
  );
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigurationError
      ? error.message
      : `failed to start: ${String((error as Error)?.stack ?? error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
