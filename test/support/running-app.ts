import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/platform/logging/logger';
import { freePort } from './server-process';
import { temporaryDirectory } from './temporary-directory';

/** Test bodies are whatever JSON the service sent; assertions check their shape. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface RunningApp {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly dataDir: string;
  /** fetch against the app, with the admin key unless `auth: false`. */
  request(path: string, init?: RequestInit & { auth?: boolean | string }): Promise<JsonResponse>;
  close(): Promise<void>;
}

/**
 * The stores a test service runs on: embedded ones in its data directory, unless
 * `npm run test:production` asked for the live servers (`AIRISK_TEST_STORES=production`). Then it
 * gets the live EventStoreDB and a MongoDB database of its own, named after its data directory,
 * so a restart on the same directory finds the same read models. Nothing else ever makes a test
 * service inherit the two variables.
 */
function storesFor(dataDir: string): Record<string, string> {
  if (process.env.AIRISK_TEST_STORES !== 'production') return {};
  const { EVENTSTORE_CONNECTION_STRING, MONGODB_URI } = process.env;
  if (!EVENTSTORE_CONNECTION_STRING || !MONGODB_URI) {
    throw new Error('AIRISK_TEST_STORES=production needs EVENTSTORE_CONNECTION_STRING and MONGODB_URI');
  }
  const database = `airisk_e2e_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  return { EVENTSTORE_CONNECTION_STRING, MONGODB_URI: withDatabase(MONGODB_URI, database) };
}

/** The URI with its database path replaced (`mongodb://hosts/db?options`). */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

/** The real service over HTTP on a free port, on stores of its own (see `storesFor`). */
export async function startApp(environment: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = environment.DATA_DIR ?? temporaryDirectory();
  const adminKey = 'test-admin-key-'.padEnd(48, 'x');
  // A known free port, so the issuer (derived from HOST and PORT) is the URL clients really use.
  const port = await freePort();
  const config = AppConfig.fromEnvironment({
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    PORT: String(port),
    ...storesFor(dataDir),
    ...environment,
  });
  const app = await createApp(config, adminKey, createLogger('silent'));
  await app.listen({ port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    adminKey,
    dataDir,
    request: (path, { auth = true, headers, ...init } = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(auth ? { authorization: `Bearer ${typeof auth === 'string' ? auth : adminKey}` } : {}),
          ...(headers as Record<string, string>),
        },
      }),
    close: () => app.close(),
  };
}
