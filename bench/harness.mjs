// What the benchmark scripts share: starting servers on free loopback ports, the admin setup of a
// client on this service, and one autocannon run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();
const TICK_MS = 1000 / CLOCK_TICKS;
const SCHEDSTAT = existsSync('/proc/self/schedstat');

/**
 * A process's CPU time so far, read from outside it: every thread's on-CPU nanoseconds
 * (/proc/<pid>/task/<tid>/schedstat, first field: the main thread, worker threads, libuv's pool, V8's
 * helpers) and, as a check that also counts threads that have exited, utime + stime in clock ticks
 * (/proc/<pid>/stat).
 */
export function cpuTime(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ": state is field 3, utime field 14 and stime field 15 (proc(5)).
  const ticks = Number(fields[11]) + Number(fields[12]);
  const threads = new Map();
  if (SCHEDSTAT) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        threads.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // The thread exited between the listing and the read: the tick count still has it.
      }
    }
  }
  return { ticks, threads };
}

/**
 * CPU ms a process spent between two `cpuTime` readings. The nanosecond sum over threads is used unless
 * threads that exited in between took more than the tick count's resolution (2 ticks) with them; then
 * the tick count is (`source` says which).
 */
export function cpuBetween(before, after) {
  let nanos = 0;
  for (const [tid, ns] of after.threads) nanos += ns - (before.threads.get(tid) ?? 0);
  const schedstatMs = nanos / 1e6;
  const statMs = (after.ticks - before.ticks) * TICK_MS;
  const useStat = !SCHEDSTAT || statMs > schedstatMs + 2 * TICK_MS;
  return { ms: useStat ? statMs : schedstatMs, source: useStat ? 'stat' : 'schedstat', statMs };
}

/** Busy and total CPU time of the whole machine so far (the first line of /proc/stat, in ms). */
function machineTime() {
  const [, ...jiffies] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [, , , idle, iowait] = jiffies;
  const total = jiffies.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { busyMs: (total - idle - iowait) * TICK_MS, totalMs: total * TICK_MS };
}

/**
 * Waits (at most `limitMs`) until the process has been quiet for two polls in a row: the work a load
 * leaves behind (projections catching up on its events, queued writes) is counted with that load, and
 * the next window starts on a quiet process. Returns the ms waited.
 */
export async function settle(pid, { pollMs = 100, quietMs = 2, limitMs = 3_000 } = {}) {
  const started = performance.now();
  let previous = cpuTime(pid);
  let quietPolls = 0;
  while (quietPolls < 2 && performance.now() - started < limitMs) {
    await sleep(pollMs);
    const current = cpuTime(pid);
    quietPolls = cpuBetween(previous, current).ms < quietMs ? quietPolls + 1 : 0;
    previous = current;
  }
  return Math.round(performance.now() - started);
}

/**
 * One autocannon run against `server`, with the server process's CPU time over the run (all threads,
 * user + system) and what the work it left behind took until it was quiet again, per 1,000 requests
 * completed. Call it on a settled server (after its warm-up). Also the load generator's CPU (this
 * process) and the whole machine's busy cores over the same window, to tell a busy machine from a slow server.
 */
export async function measure(server, target, duration, { connections = CONNECTIONS, quietMs } = {}) {
  const pid = server.child.pid;
  const [before, generatorBefore, machineBefore] = [cpuTime(pid), process.cpuUsage(), machineTime()];
  const startedAt = performance.now();
  const result = await load(target, duration, connections);
  const loadMs = performance.now() - startedAt;
  const afterLoad = cpuTime(pid);
  const settleMs = await settle(pid, { quietMs });
  const settled = cpuTime(pid);
  const cpu = cpuBetween(before, settled);
  const generator = process.cpuUsage(generatorBefore);
  const machine = machineTime();
  const requests = result.requests.total;
  const round = (value, digits = 1) => Number(value.toFixed(digits));
  const windowMs = loadMs + settleMs;
  const generatorMs = (generator.user + generator.system) / 1000;
  const machineBusyMs = machine.busyMs - machineBefore.busyMs;
  return {
    ...result,
    cpu: {
      requests,
      serverMs: round(cpu.ms),
      serverMsPer1k: round((1000 * cpu.ms) / requests),
      source: cpu.source,
      statMs: round(cpu.statMs),
      // The run itself, then what the server did after it until it was quiet (part of serverMs).
      loadMs: Math.round(loadMs),
      settleMs,
      tailMs: round(cpuBetween(afterLoad, settled).ms),
      serverCores: round(cpuBetween(before, afterLoad).ms / loadMs, 2),
      generatorMsPer1k: round((1000 * generatorMs) / requests),
      machineBusyCores: round((machineBusyMs / (machine.totalMs - machineBefore.totalMs)) * cpus().length, 2),
      // Everything else on the machine (other people's processes; this bench's idle servers, a few ms/s):
      // well above 0 and the run measured a server short of cores, whose req/s and even CPU per request move.
      otherCores: round(Math.max(0, machineBusyMs - cpu.ms - generatorMs) / windowMs, 2),
    },
  };
}
