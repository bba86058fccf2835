import { createServer } from 'node:http';
import type { Logger } from 'pino';
import { AppConfig } from '../../config/app-config';
import { capConnections, serverLimitOptions } from './server-limits';

describe('server limits', () => {
  it('by default cut a request that has not arrived between 29 and 30 s after it began', () => {
    const options = serverLimitOptions(AppConfig.fromEnvironment({}));
    expect(options).toEqual({
      requestTimeout: 29_000,
      keepAliveTimeout: 72_000,
      http: { headersTimeout: 29_000, connectionsCheckingInterval: 1_000 },
    });
    // The latest cut: the deadline plus one check.
    expect(options.requestTimeout + options.http.connectionsCheckingInterval).toBe(30_000);
  });

  it('log refused connections at most once a minute, with their count', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const server = createServer();
      const warn = jest.fn();
      capConnections(server, 5, { warn } as unknown as Logger);
      expect(server.maxConnections).toBe(5);
      server.emit('drop');
      server.emit('drop');
      server.emit('drop');
      jest.setSystemTime(60_000);
      server.emit('drop');
      expect(warn.mock.calls.map(([fields]) => fields)).toEqual([
        { dropped: 1, maxConnections: 5 },
        { dropped: 3, maxConnections: 5 },
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});
