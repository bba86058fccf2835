import { AppConfig, ConfigurationError } from '../config/app-config';
import { assertStorageSettings } from './storage';

const check = (environment: Record<string, string>) => () =>
  assertStorageSettings(AppConfig.fromEnvironment(environment));

describe('storage settings, as the store clients parse them', () => {
  it.each([
    'kurrentdb://eventstore:2113?tls=false',
    'kurrentdb+discover://node1:2113,node2:2113,node3:2113?tls=false',
    'kdb://localhost:2113?tls=false&defaultDeadline=5000',
    'esdb://localhost:2113?tls=false',
  ])('accepts the EventStoreDB connection string %s without connecting', (connectionString) => {
    expect(check({ EVENTSTORE_CONNECTION_STRING: connectionString })).not.toThrow();
  });

  it.each(['http://eventstore:2113', 'esdb://', 'kurrentdb://localhost:2113?tls=maybe', 'postgres://x'])(
    'refuses %s, naming EVENTSTORE_CONNECTION_STRING and what the client found',
    (connectionString) => {
      const attempt = check({ EVENTSTORE_CONNECTION_STRING: connectionString });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(/EVENTSTORE_CONNECTION_STRING is not a valid connection string: .+/);
    },
  );

  it('accepts a MongoDB URI and refuses what the driver cannot parse, naming MONGODB_URI', () => {
    expect(check({ MONGODB_URI: 'mongodb://mongo:27017/airisk_identity?replicaSet=rs0' })).not.toThrow();
    expect(check({ MONGODB_URI: 'postgres://x' })).toThrow(/MONGODB_URI is not a valid MongoDB URI/);
    expect(check({ MONGODB_URI: 'mongodb://host:notaport/db' })).toThrow(/MONGODB_URI is not a valid MongoDB URI/);
  });

  it('names both variables at once', () => {
    const attempt = check({ EVENTSTORE_CONNECTION_STRING: 'tcp://x', MONGODB_URI: 'mysql://y' });
    expect(attempt).toThrow(/EVENTSTORE_CONNECTION_STRING[\s\S]*MONGODB_URI/);
  });
});
