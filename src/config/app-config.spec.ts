import { AppConfig, ConfigurationError } from './app-config';

describe('AppConfig', () => {
  it('defaults to embedded storage on port 3000', () => {
    const config = AppConfig.fromEnvironment({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info', production: false });
    expect(config.eventStoreConnectionString).toBeUndefined();
    expect(config.mongodbUri).toBeUndefined();
    expect(config.eventStoreFile).toMatch(/data[\\/]events\.sqlite$/);
  });

  it('reads every variable', () => {
    const config = AppConfig.fromEnvironment({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/identity',
      ADMIN_API_KEY: 'k'.repeat(32),
      EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false',
      MONGODB_URI: 'mongodb://localhost:27017/identity',
      LOG_LEVEL: 'debug',
      STORE_TIMEOUT_MS: '2500',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/identity',
      logLevel: 'debug',
      storeTimeoutMs: 2500,
    });
    expect(config.eventStoreConnectionString).toBe('esdb://localhost:2113?tls=false');
  });

  it('names every wrong variable at once', () => {
    const attempt = () =>
      AppConfig.fromEnvironment({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        ADMIN_API_KEY: 'short',
        STORE_TIMEOUT_MS: 'soon',
      });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/PORT must be a whole number/);
    expect(attempt).toThrow(/LOG_LEVEL must be one of/);
    expect(attempt).toThrow(/ADMIN_API_KEY must be at least 32 characters/);
    expect(attempt).toThrow(/STORE_TIMEOUT_MS must be a whole number/);
  });

  it('refuses production without an admin key, and treats an empty one as absent', () => {
    expect(() => AppConfig.fromEnvironment({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY is required/);
    expect(() => AppConfig.fromEnvironment({ NODE_ENV: 'production', ADMIN_API_KEY: '' })).toThrow(
      /ADMIN_API_KEY is required/,
    );
  });
});
