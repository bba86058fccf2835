import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/platform/logging/logger';
import { freePort } from './server-process';
import { temporaryDirectory } from './temporary-directory';

/** Test bodies are whatever JSON the service sent; assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
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

/** The real service over HTTP on a free port, embedded stores in a fresh temp directory. */
export async function startApp(environment: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = environment.DATA_DIR ?? temporaryDirectory();
  const adminKey = 'test-admin-key-'.padEnd(48, 'x');
  // A known free port, so the issuer (derived from HOST and PORT) is the URL clients really use.
  const port = await freePort();
  const config = AppConfig.fromEnvironment({
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    PORT: String(port),
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
