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

  it('allows no refresh token retry unless a grace window is asked for (RFC 9700 §4.14.2)', () => {
    expect(AppConfig.fromEnvironment({}).refreshReuseGraceSeconds).toBe(0);
    expect(AppConfig.fromEnvironment({ REFRESH_REUSE_GRACE_SECONDS: '10' }).refreshReuseGraceSeconds).toBe(10);
  });

  it('requires PKCE of confidential clients only when REQUIRE_PKCE=true', () => {
    expect(AppConfig.fromEnvironment({}).requirePkce).toBe(false);
    expect(AppConfig.fromEnvironment({ REQUIRE_PKCE: 'true' }).requirePkce).toBe(true);
    expect(AppConfig.fromEnvironment({ REQUIRE_PKCE: 'false' }).requirePkce).toBe(false);
    expect(() => AppConfig.fromEnvironment({ REQUIRE_PKCE: 'yes' })).toThrow(/REQUIRE_PKCE must be true or false/);
  });

  it('takes an audit fingerprint secret of at least 32 characters', () => {
    expect(AppConfig.fromEnvironment({}).auditFingerprintSecret).toBeUndefined();
    expect(AppConfig.fromEnvironment({ AUDIT_FINGERPRINT_SECRET: 's'.repeat(32) }).auditFingerprintSecret).toBe(
      's'.repeat(32),
    );
    expect(() => AppConfig.fromEnvironment({ AUDIT_FINGERPRINT_SECRET: 'short' })).toThrow(
      /AUDIT_FINGERPRINT_SECRET must be at least 32 characters/,
    );
  });

  it('bounds the HTTP server: a request within 30 s, keep-alive 72 s, 1,000 connections unless configured', () => {
    expect(AppConfig.fromEnvironment({})).toMatchObject({
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1_000,
    });
    expect(
      AppConfig.fromEnvironment({ REQUEST_TIMEOUT_MS: '1000', KEEP_ALIVE_TIMEOUT_MS: '5000', MAX_CONNECTIONS: '5' }),
    ).toMatchObject({ requestTimeoutMs: 1_000, keepAliveTimeoutMs: 5_000, maxConnections: 5 });
    const attempt = () =>
      AppConfig.fromEnvironment({ REQUEST_TIMEOUT_MS: '0', KEEP_ALIVE_TIMEOUT_MS: 'long', MAX_CONNECTIONS: '0' });
    expect(attempt).toThrow(/REQUEST_TIMEOUT_MS must not be less than 1000/);
    expect(attempt).toThrow(/KEEP_ALIVE_TIMEOUT_MS must be a whole number/);
    expect(attempt).toThrow(/MAX_CONNECTIONS must not be less than 1/);
  });

  it('takes a metrics token of at least 32 visible characters, and leaves /metrics open without one', () => {
    expect(AppConfig.fromEnvironment({}).metricsToken).toBeUndefined();
    expect(AppConfig.fromEnvironment({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(AppConfig.fromEnvironment({ METRICS_TOKEN: 'm'.repeat(32) }).metricsToken).toBe('m'.repeat(32));
    for (const token of ['m'.repeat(31), `${'m'.repeat(32)} space`, 'm'.repeat(513)]) {
      expect(() => AppConfig.fromEnvironment({ METRICS_TOKEN: token })).toThrow(
        /METRICS_TOKEN must be 32 to 512 visible ASCII characters/,
      );
    }
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
