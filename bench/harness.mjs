// What the benchmark scripts share: starting servers on free loopback ports, the admin setup of a
// client on this service, and one autocannon run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const CONNECTIONS = 32;
export const ADMIN_KEY = 'bench-admin-key-'.padEnd(48, 'k');
export const root = new URL('..', import.meta.url).pathname;
const children = [];

const dataDirs = [];
// Children are stopped before the bench exits (stopAll); their data directories go with it.
process.on('exit', () => {
  for (const directory of dataDirs) rmSync(directory, { recursive: true, force: true });
});

/** This service on embedded stores in a fresh data directory; `nodeOptions` go before the script. */
export function startOurs({ nodeOptions = [], environment = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'airisk-bench-'));
  dataDirs.push(dataDir);
  return start(
    'airisk-identity',
    [...nodeOptions, 'dist/main.js'],
    {
      DATA_DIR: dataDir,
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      KEY_ACTIVATION_DELAY_SECONDS: '0',
      // The load comes from one address: the anonymous-request limit would measure itself.
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
      ...environment,
    },
    '/health/ready',
  ).then((server) => ({ ...server, dataDir }));
}

/** Spawns `node ...args` on a free port and resolves once `readyPath` answers 2xx. */
export async function start(name, args, environment, readyPath) {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...environment, PORT: String(port), HOST: '127.0.0.1', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${errors}`);
    const ready = await fetch(`${url}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { name, url, child, readyAfterMs: performance.now() - startedAt };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} not ready: ${errors}`);
}

/** Stops a child with SIGTERM and waits for it to exit (a CPU profile is written on exit). */
export function stop(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', resolve);
    server.child.kill('SIGTERM');
  });
}

export function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function registerClient(ours) {
  const admin = (path, body) =>
    fetch(`${ours.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json());
  const company = await admin('/api/admin/companies', { name: 'Bench' });
  return admin('/api/admin/clients', {
    companyId: company.id,
    name: 'Bench',
    redirectUris: ['https://bench.example/cb'],
  });
}

export const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A client_credentials token from `url` (this service's or the peer's token endpoint). */
export async function token(url, authorization) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, ...FORM },
    body: 'grant_type=client_credentials',
  });
  const body = await response.json();
  if (!body.access_token) throw new Error(`no token from ${url}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** The issuance request against this service, as an autocannon target. */
export function issuance(ours, client) {
  return {
    url: `${ours.url}/api/oauth2/token`,
    method: 'POST',
    headers: { ...FORM, authorization: basic(client.clientId, client.clientSecret) },
    body: 'grant_type=client_credentials',
  };
}

/** The AIRisk flow as autocannon request pairs: authorize (302 with a code), then redeem it. */
export function codeFlow(ours, client) {
  const redirect = encodeURIComponent(client.redirectUris[0]);
  return {
    url: ours.url,
    requests: [
      {
        method: 'GET',
        path: `/api/oauth2?client_id=${client.clientId}&redirect_uri=${redirect}&state=bench`,
        onResponse: (status, _body, context, headers) => {
          const location = headers?.location ?? headers?.Location;
          context.code = location ? new URL(location).searchParams.get('code') : undefined;
        },
      },
      {
        method: 'POST',
        path: '/api/oauth2/token',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => ({
          ...request,
          body: JSON.stringify({
            client_id: client.clientId,
            client_secret: client.clientSecret,
            redirect_uri: client.redirectUris[0],
            code: context.code,
          }),
        }),
      },
    ],
  };
}

export function load(target, duration, connections = CONNECTIONS) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration, ...target }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
