// npm run bench [-- --quick]: this service and oidc-provider side by side on loopback, same load
// generator (autocannon), same connection count, alternating A/B runs with a discarded warm-up.
// Prints one table and writes bench/results/latest.json. Needs `npm run build` (npm run bench does it).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const quick = process.argv.includes('--quick');
const CONNECTIONS = 32;
const DURATION = quick ? 3 : 10;
const ROUNDS = quick ? 1 : 3;
const ADMIN_KEY = 'bench-admin-key-'.padEnd(48, 'k');
const PEER = { id: 'bench', secret: 'bench-secret-'.padEnd(48, 's') };
const root = new URL('..', import.meta.url).pathname;
const children = [];

async function main() {
  const ours = await start(
    'airisk-identity',
    ['dist/main.js'],
    {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'airisk-bench-')),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      KEY_ACTIVATION_DELAY_SECONDS: '0',
    },
    '/health/ready',
  );
  const peerJwt = await start('oidc-provider (jwt)', ['bench/peer-oidc-provider.mjs'], peerEnv('jwt'), '/jwks');
  const peerOpaque = await start(
    'oidc-provider (opaque)',
    ['bench/peer-oidc-provider.mjs'],
    peerEnv('opaque'),
    '/jwks',
  );
  const hello = await start('fastify hello', ['bench/hello-fastify.mjs'], {}, '/hello');

  const client = await registerClient(ours);
  const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const ourAuth = basic(client.clientId, client.clientSecret);
  const peerAuth = basic(PEER.id, PEER.secret);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const ourToken = await token(`${ours.url}/api/oauth2/token`, ourAuth);
  const peerToken = await token(`${peerOpaque.url}/token`, peerAuth);

  const workloads = [
    {
      name: 'client_credentials issuance',
      ours: {
        url: `${ours.url}/api/oauth2/token`,
        method: 'POST',
        headers: { ...form, authorization: ourAuth },
        body: 'grant_type=client_credentials',
      },
      peer: {
        url: `${peerJwt.url}/token`,
        method: 'POST',
        headers: { ...form, authorization: peerAuth },
        body: 'grant_type=client_credentials',
      },
    },
    {
      name: 'introspection',
      ours: {
        url: `${ours.url}/api/oauth2/introspect`,
        method: 'POST',
        headers: { ...form, authorization: ourAuth },
        body: `token=${ourToken}`,
      },
      peer: {
        url: `${peerOpaque.url}/token/introspection`,
        method: 'POST',
        headers: { ...form, authorization: peerAuth },
        body: `token=${peerToken}`,
      },
    },
    { name: 'AIRisk code flow (2 requests)', ours: codeFlow(ours.url, client), peer: null },
    { name: 'JWKS', ours: { url: `${ours.url}/.well-known/jwks.json` }, peer: { url: `${peerJwt.url}/jwks` } },
    {
      name: 'metadata',
      ours: { url: `${ours.url}/.well-known/oauth-authorization-server` },
      peer: { url: `${peerJwt.url}/.well-known/openid-configuration` },
    },
    { name: 'fastify hello (machine floor)', ours: { url: `${hello.url}/hello` }, peer: null },
  ];

  const results = [];
  for (const workload of workloads) {
    for (const side of ['ours', 'peer']) if (workload[side]) await load(workload[side], 1); // warm-up, discarded
    const runs = { ours: [], peer: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours']) {
        if (workload[side]) runs[side].push(await load(workload[side], DURATION));
      }
    }
    results.push({
      workload: workload.name,
      ours: summarize(runs.ours),
      peer: workload.peer ? summarize(runs.peer) : null,
    });
  }
  report(results);
}

/** The AIRisk flow as autocannon request pairs: authorize (302 with a code), then redeem it. */
function codeFlow(base, client) {
  const redirect = encodeURIComponent(client.redirectUris[0]);
  return {
    url: base,
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

function load(target, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration, ...target }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/** The median run of a workload (by requests/s), with errors summed over all runs. */
function summarize(runs) {
  const sorted = [...runs].sort((a, b) => a.requests.average - b.requests.average);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    requestsPerSecond: Math.round(median.requests.average),
    p50: median.latency.p50,
    p99: median.latency.p99,
    errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0),
    // 4xx and 5xx: the code flow's authorize step answers 302 by design, which autocannon counts as non-2xx.
    failed: runs.reduce((sum, run) => sum + run['4xx'] + run['5xx'], 0),
  };
}

function report(results) {
  const rows = results.map(({ workload, ours, peer }) => ({
    workload,
    'ours req/s': ours.requestsPerSecond,
    'ours p50/p99 ms': `${ours.p50}/${ours.p99}`,
    'ours err/4xx+5xx': `${ours.errors}/${ours.failed}`,
    'peer req/s': peer?.requestsPerSecond ?? '—',
    'peer p50/p99 ms': peer ? `${peer.p50}/${peer.p99}` : '—',
    'peer err/4xx+5xx': peer ? `${peer.errors}/${peer.failed}` : '—',
    'ours/peer': peer ? (ours.requestsPerSecond / peer.requestsPerSecond).toFixed(2) : '—',
  }));
  console.table(rows);
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results/latest.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        quick,
        connections: CONNECTIONS,
        duration: DURATION,
        rounds: ROUNDS,
        machine,
        results,
      },
      null,
      2,
    ),
  );
  console.log(
    `machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; written to ${file}`,
  );
}

function peerEnv(format) {
  return { CLIENT_ID: PEER.id, CLIENT_SECRET: PEER.secret, ACCESS_TOKEN_FORMAT: format };
}

async function registerClient(ours) {
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

async function token(url, authorization) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = await response.json();
  if (!body.access_token) throw new Error(`no token from ${url}: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function start(name, args, environment, readyPath) {
  const port = await freePort();
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
    if (
      await fetch(`${url}${readyPath}`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { name, url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} not ready: ${errors}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}

main().then(stopAll, (error) => {
  stopAll();
  console.error(error);
  process.exitCode = 1;
});
