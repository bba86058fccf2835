// node bench/history.mjs [--events N | --quick]: what this service does with a large history, on embedded stores.
// Builds a data directory of N events shaped like real traffic (admin setup through the HTTP API, then grant
// streams written by the real grant decider), then measures: raw append throughput while seeding, the append
// rate under group commit at service-like concurrency, a raw replay of the global order, the service's
// start (projections and security view catching up from nothing, then a warm restart, then an empty data
// directory) with its RSS, and the rebuild CLI. Needs `npm run build`. `bench/run.mjs` imports `measureHistory`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import grantDeciderModule from '../dist/grants/grant.decider.js';
import sealedCodes from '../dist/oauth/authorize/sealed-codes.js';
import opaqueTokens from '../dist/oauth/tokens/opaque-tokens.js';
import secrets from '../dist/platform/crypto/secrets.js';
import decideOnStreamModule from '../dist/platform/event-store/decide-on-stream.js';
import readPages from '../dist/platform/event-store/read-pages.js';
import sqliteEventStore from '../dist/platform/event-store/sqlite-event-store.js';
import { ADMIN_KEY, freePort, registerClient, root, stop } from './harness.mjs';

const { grantDecider, grantStream } = grantDeciderModule;
const { newGrantId, newOpaqueToken } = opaqueTokens;
const { generateSecret, hashSecret } = secrets;
const { startStream } = decideOnStreamModule;
const { redirectUriHash } = sealedCodes;
const { eventsOf } = readPages;
const { SqliteEventStore } = sqliteEventStore;

export const DEFAULT_EVENTS = 1_000_000;
export const QUICK_EVENTS = 100_000;
export const TARGETS = { replayEventsPerSecond: 50_000, rssMb: 300, readyMs: 2_000 };

const CLIENTS = 10;
const USERS = 1_000;
/** Registrations take a seat on the one company stream: more at once would exhaust the service's conflict retries. */
const REGISTRATION_CONCURRENCY = 4;
/** Grant streams in flight while seeding: enough for group commit to fill large transactions. */
const SEED_CONCURRENCY = 256;
/** Like the 32 connections of the HTTP benchmarks, each waiting for its append before the next request. */
const APPENDERS = 32;
const APPEND_SECONDS = 5;
/** Share of grants that are an authorization-code flow (3 events); the rest are client_credentials (1 event). */
const CODE_FLOW_SHARE = 0.3;
/** The service's defaults (src/config/app-config.ts): the instants in the events are computed from them. */
const ACCESS_TOKEN_TTL_SECONDS = 3_600;
const REFRESH_TOKEN_TTL_SECONDS = 2_592_000;
const AUTHORIZATION_CODE_TTL_SECONDS = 60;
const EMPTY_STARTS = 3;
/** How long the service is left alone after ready before its RSS is read again. */
const SETTLE_MS = 2_000;
const USER_AGENTS = ['python-requests/2.32.3', 'node', 'okhttp/4.12.0', 'Java-http-client/21.0.4', 'curl/8.5.0'];

const children = new Set();

/**
 * Seeds a fresh data directory with `events` events and measures it (see the file header). Every figure
 * is plain JSON; durations in ms or s as named, rates per second, memory in MB.
 */
export async function measureHistory({ events = DEFAULT_EVENTS, onProgress = () => {} } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), 'airisk-history-'));
  const dataDir = join(workDir, 'history');
  try {
    onProgress('registering a company, clients and users through the admin API');
    const traffic = await registerTraffic(dataDir);
    onProgress(`seeding ${events} events`);
    const seeding = await seed(dataDir, events, traffic);
    onProgress(`append rate: ${APPENDERS} appenders for ${APPEND_SECONDS} s`);
    const appendRate = await measureAppendRate(join(workDir, 'append-rate', 'events.sqlite'), traffic);
    onProgress('raw replay of the global order');
    const replay = await measureReplay(dataDir);
    dropReadModels(dataDir);
    // A guard against a hung start, not a target: 2,000 events/s leaves room for a busy machine.
    const deadlineMs = 60_000 + events / 2;
    onProgress('start with empty read models: every projection catches up');
    const catchUpStart = await measureStart(dataDir, deadlineMs);
    // The first restart after that catch-up, as an instance restarted with its data in place meets it.
    onProgress('warm restart: read models built');
    const warmStart = await measureStart(dataDir, deadlineMs);
    onProgress('rebuild CLI');
    const rebuild = await measureRebuild(dataDir);
    onProgress(`${EMPTY_STARTS} starts on an empty data directory`);
    const emptyStart = await measureEmptyStarts(workDir);
    return { events: seeding.totalEvents, seeding, appendRate, replay, catchUpStart, warmStart, rebuild, emptyStart };
  } finally {
    await Promise.all([...children].map((child) => stop({ child })));
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Runs the service once on the fresh directory (it creates its signing key), registers through the admin
 * API one company, its clients and users, and stops it. Answers what the seeded traffic needs of them.
 */
async function registerTraffic(dataDir) {
  const server = await launch(dataDir, 20_000);
  try {
    const first = await registerClient(server); // the company and its first client
    const others = await mapConcurrently(CLIENTS - 1, REGISTRATION_CONCURRENCY, (index) =>
      adminPost(server.url, '/api/admin/clients', {
        companyId: first.companyId,
        name: `Integration ${index + 2}`,
        redirectUris: [`https://app${index + 2}.example/oauth/callback`],
      }),
    );
    const users = await mapConcurrently(USERS, REGISTRATION_CONCURRENCY, (index) =>
      adminPost(server.url, '/api/admin/users', {
        companyId: first.companyId,
        email: `user${index}@customer.example`,
        firstName: 'User',
        lastName: `Number ${index}`,
        role: index % 50 === 0 ? 'company_admin' : 'user',
      }),
    );
    // Each integration calls from its own address with its own HTTP library.
    const clients = [first, ...others].map((client, index) => ({
      clientId: client.clientId,
      companyId: client.companyId,
      redirectUri: client.redirectUris[0],
      ip: `10.20.${index}.${10 + index}`,
      userAgent: USER_AGENTS[index % USER_AGENTS.length],
    }));
    return trafficOf(
      clients,
      users.map((user) => user.id),
    );
  } finally {
    await stop(server);
  }
}

/** The setup run's read models (and checkpoints) would spare the projections most of the catch-up measured. */
function dropReadModels(dataDir) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `read-models.sqlite${suffix}`), { force: true });
}

async function adminPost(url, path, body) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** `work(0 … count - 1)`, at most `concurrency` at a time; the results in index order. */
async function mapConcurrently(count, concurrency, work) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/**
 * The grant streams the OAuth endpoints write, through the same calls as `Grants.start`/`Grants.execute`
 * (the real grant decider, chained by `chainEvents`, appended with `no_stream` or at the revision read),
 * with the commands built as the endpoints build them.
 */
function trafficOf(clients, userIds) {
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  return {
    /** POST /api/oauth2/token, grant_type=client_credentials (client-credentials.grant.ts): one TokenIssued. */
    clientCredentials(store) {
      const client = pick(clients);
      const now = new Date();
      const grantId = newGrantId();
      const subject = { grantId, clientId: client.clientId, companyId: client.companyId, userId: null, scope: '' };
      const tokens = issuedTokens(grantId, null, now);
      const command = { type: 'IssueClientCredentialsToken', ...subject, tokens, now: now.toISOString() };
      return startStream(store, grantStream(grantId), grantDecider, {
        command: command,
        metadata: envelope(client, now),
      });
    },
    /**
     * GET /api/oauth2 with a userid and PKCE (authorize.controller.ts: a sealed code, nothing written), then
     * POST /api/oauth2/token with the code (authorization-code.grant.ts): the grant's stream starts with
     * AuthorizationCodeIssued, AuthorizationCodeRedeemed, TokenIssued in one append.
     */
    async codeFlow(store) {
      const client = pick(clients);
      const userId = pick(userIds);
      const grantId = newGrantId();
      const challenge = s256(generateSecret()); // a 43-character verifier, as RFC 7636 §4.1 allows
      const issuedAt = new Date();
      const code = {
        ...{ grantId, clientId: client.clientId, companyId: client.companyId, userId, scope: '' },
        redirectUriHash: redirectUriHash(client.redirectUri),
        codeChallenge: challenge,
        cutoffs: { client: -1, user: -1 },
        issuedAt: issuedAt.toISOString(),
        expiresAt: new Date(issuedAt.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000).toISOString(),
      };
      const redeemedAt = new Date();
      const redeem = {
        type: 'RedeemCode',
        code,
        codeHash: hashSecret(`ac1.${generateSecret()}`), // the hash of a sealed code, as the token endpoint records it
        clientId: client.clientId,
        redirectUri: client.redirectUri,
        redirectUriHash: redirectUriHash(client.redirectUri),
        userId,
        codeVerifierChallenge: challenge,
        tokens: issuedTokens(grantId, userId, redeemedAt),
        now: redeemedAt.toISOString(),
      };
      return startStream(store, grantStream(grantId), grantDecider, {
        command: redeem,
        metadata: envelope(client, redeemedAt),
      });
    },
  };
}

/**
 * `IssuedTokens` as `TokenIssuer.mint` records them: a `jti` under the grant, the access token's expiry on a
 * whole second (the JWT `exp`), a refresh token only for user tokens. Cutoffs are -1: the setup never
 * disables a client, rotates a secret or deactivates a user.
 */
function issuedTokens(grantId, userId, now) {
  const refresh = userId !== null;
  const expiresAt = (Math.floor(now.getTime() / 1000) + ACCESS_TOKEN_TTL_SECONDS) * 1000;
  return {
    jti: `${grantId}.${randomBytes(9).toString('base64url')}`,
    cutoffs: { client: -1, user: refresh ? -1 : null },
    issuedAt: now.toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    refreshTokenHash: refresh ? hashSecret(newOpaqueToken(grantId)) : null,
    refreshExpiresAt: refresh ? new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString() : null,
  };
}

/** The envelope of a client's request at the OAuth endpoints (`eventMetadata(clientContext(...))`). */
function envelope(client, at) {
  const requestId = randomUUID();
  return {
    actor: { kind: 'client', id: client.clientId },
    correlationId: requestId,
    causationId: requestId,
    companyId: client.companyId,
    at: at.toISOString(),
    schemaVersion: 1,
    ip: client.ip,
    userAgent: client.userAgent,
  };
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
function s256(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Appends grant streams until the store holds `total` events, many streams in flight so group commit batches them. */
async function seed(dataDir, total, traffic) {
  const file = join(dataDir, 'events.sqlite');
  const store = new SqliteEventStore(file);
  try {
    const setupEvents = Number((await store.headPosition()).commit);
    let budget = total - setupEvents;
    const seeded = Math.max(budget, 0);
    const started = performance.now();
    const worker = async () => {
      while (budget > 0) {
        // Taken from the budget before the await, so the workers stop at exactly `total` events.
        const codeFlow = budget >= 3 && Math.random() < CODE_FLOW_SHARE;
        budget -= codeFlow ? 3 : 1;
        await (codeFlow ? traffic.codeFlow(store) : traffic.clientCredentials(store));
      }
    };
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    const commits = store.committedTransactions;
    const totalEvents = Number((await store.headPosition()).commit);
    await store.close(); // checkpoints the WAL into the file, whose size is then the store's
    return {
      setupEvents,
      totalEvents,
      fileMb: Math.round(statSync(file).size / 2 ** 20),
      seededEvents: seeded,
      seconds: round(seconds, 2),
      eventsPerSecond: Math.round(seeded / seconds),
      commits,
      eventsPerCommit: round(seeded / Math.max(commits, 1), 1),
    };
  } finally {
    await store.close();
  }
}

/** The embedded store's append rate with group commit: one client_credentials grant per append, 32 at a time. */
async function measureAppendRate(file, traffic) {
  const store = new SqliteEventStore(file);
  try {
    let appends = 0;
    const started = performance.now();
    const deadline = started + APPEND_SECONDS * 1000;
    const appender = async () => {
      while (performance.now() < deadline) {
        await traffic.clientCredentials(store);
        appends += 1;
      }
    };
    await Promise.all(Array.from({ length: APPENDERS }, appender));
    const seconds = (performance.now() - started) / 1000;
    return {
      appenders: APPENDERS,
      appends,
      seconds: round(seconds, 2),
      appendsPerSecond: Math.round(appends / seconds),
      eventsPerCommit: round(appends / Math.max(store.committedTransactions, 1), 1),
    };
  } finally {
    await store.close();
  }
}

/** Every event in global order, decoded, as a consumer reading from the start sees them. */
async function measureReplay(dataDir) {
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  try {
    const byType = {};
    let events = 0;
    const started = performance.now();
    for await (const event of eventsOf(store)) {
      byType[event.type] = (byType[event.type] ?? 0) + 1;
      events += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds: round(seconds, 2), eventsPerSecond: Math.round(events / seconds), byType };
  } finally {
    await store.close();
  }
}

/**
 * Starts the service on `dataDir`: spawn → /health/ready 200, RSS then and after a settle, and what
 * readiness says of the projections and the live views. The service is stopped again.
 */
async function measureStart(dataDir, deadlineMs) {
  const server = await launch(dataDir, deadlineMs);
  try {
    const atReady = memoryOf(server.child.pid);
    await sleep(SETTLE_MS);
    const settled = memoryOf(server.child.pid);
    const report = await fetch(`${server.url}/health/ready`).then((response) => response.json());
    return {
      readyMs: Math.round(server.readyAfterMs),
      rssAtReadyMb: atReady.rssMb,
      rssSettledMb: settled.rssMb,
      peakRssMb: settled.peakRssMb,
      parkedEvents: report.projections.reduce((sum, projection) => sum + projection.parkedEvents, 0),
      projections: report.projections.map(({ name, state, position, parkedEvents, lag }) => ({
        name,
        state,
        position,
        parkedEvents,
        lag,
      })),
      liveViews: report.liveViews,
    };
  } finally {
    await stop(server);
  }
}

/** Spawn → ready on fresh empty data directories: the median, and each run. */
async function measureEmptyStarts(workDir) {
  const runs = [];
  for (let run = 0; run < EMPTY_STARTS; run++) {
    const server = await launch(join(workDir, `empty-${run}`), 20_000);
    runs.push({ readyMs: Math.round(server.readyAfterMs), rssAtReadyMb: memoryOf(server.child.pid).rssMb });
    await stop(server);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    medianReadyMs: median(runs.map((run) => run.readyMs)),
    medianRssAtReadyMb: median(runs.map((run) => run.rssAtReadyMb)),
    runs,
  };
}

/** `node dist/cli/rebuild.js` (every projection into fresh collections, up to the live checkpoints). */
async function measureRebuild(dataDir) {
  const started = performance.now();
  const output = await run(['dist/cli/rebuild.js'], dataDir);
  const wallSeconds = (performance.now() - started) / 1000;
  const projections = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const events = projections.reduce((sum, projection) => sum + projection.events, 0);
  const seconds = projections.reduce((sum, projection) => sum + projection.seconds, 0);
  return {
    projections,
    events,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    wallSeconds: round(wallSeconds, 2),
  };
}

/**
 * The embedded stores only: a production connection string in this shell must not send the bench
 * (or the rebuild) to a real server. Empty means unset to the service's configuration.
 */
function embeddedEnvironment(dataDir) {
  return {
    ...process.env,
    DATA_DIR: dataDir,
    EVENTSTORE_CONNECTION_STRING: '',
    MONGODB_URI: '',
    NODE_NO_WARNINGS: '1',
  };
}

/** `node args` on `dataDir` to completion: its stdout, or an error with its stderr. */
function run(args, dataDir) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, args, { cwd: root, env: embeddedEnvironment(dataDir), stdio: 'pipe' }));
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.once('error', reject);
    // 'close', not 'exit': the output may still be in the pipe when the process exits.
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${args[0]} exited ${code}: ${errors}`)),
    );
  });
}

/**
 * The service on `dataDir`, resolved once /health/ready answers 200. harness.mjs's `start` gives up after
 * 20 s; a store of a million events may take longer to catch up, and until its security view has every
 * event the process does not even listen, so refused connections are expected here.
 */
async function launch(dataDir, deadlineMs) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = track(
    spawn(process.execPath, ['dist/main.js'], {
      cwd: root,
      env: {
        ...embeddedEnvironment(dataDir),
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
        KEY_ACTIVATION_DELAY_SECONDS: '0',
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  for (;;) {
    const elapsed = performance.now() - startedAt;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the service exited: ${errors}`);
    if (elapsed > deadlineMs) throw new Error(`the service was not ready after ${deadlineMs} ms: ${errors}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { child, url, readyAfterMs: performance.now() - startedAt };
    // Fine-grained while a start can still meet its 2 s target, then gentle on a long catch-up.
    await sleep(elapsed < 5_000 ? 10 : 100);
  }
}

/** Every child is stopped by `measureHistory` whatever happens; it leaves the set when it exits. */
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** VmRSS (now) and VmHWM (the peak) of a process, in MB. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field) => Math.round(Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))[1]) / 1024);
  return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM') };
}

function round(value, digits) {
  return Number(value.toFixed(digits));
}

/** One row per figure, with its target where the issue sets one. */
/** The measures of `measureHistory` as table rows, each with its target where the issue sets one. */
export function historyTable(result) {
  const { seeding, appendRate, replay, rebuild, catchUpStart, warmStart, emptyStart } = result;
  const row = (measure, value, unit, target, met) => ({
    measure,
    value,
    unit,
    target: target ?? '',
    met: met === undefined ? '' : met ? 'yes' : 'NO',
  });
  const rss = (start) => `${start.rssAtReadyMb} → ${start.rssSettledMb} (peak ${start.peakRssMb})`;
  const replayTarget = `≥ ${TARGETS.replayEventsPerSecond}`;
  return [
    row('events in the store', result.events, 'events'),
    row('  of which setup (admin API)', seeding.setupEvents, 'events'),
    row('  event store file', seeding.fileMb, 'MB'),
    row('seeding: raw append', seeding.eventsPerSecond, 'events/s'),
    row('seeding: group commit', seeding.eventsPerCommit, 'events/commit'),
    row(`append rate, ${appendRate.appenders} appenders`, appendRate.appendsPerSecond, 'appends/s'),
    row('append rate: group commit', appendRate.eventsPerCommit, 'events/commit'),
    row('raw replay (eventsOf)', replay.eventsPerSecond, 'events/s', replayTarget, meets(replay.eventsPerSecond)),
    row('rebuild, all projections', rebuild.eventsPerSecond, 'events/s', replayTarget, meets(rebuild.eventsPerSecond)),
    ...rebuild.projections.map((projection) =>
      row(`  rebuild ${projection.projection} (${projection.events} events)`, projection.eventsPerSecond, 'events/s'),
    ),
    row('rebuild CLI wall time', rebuild.wallSeconds, 's'),
    row('catch-up start (empty read models) → ready', catchUpStart.readyMs, 'ms'),
    row('catch-up start: RSS ready → +2 s', rss(catchUpStart), 'MB', `≤ ${TARGETS.rssMb}`, fits(catchUpStart)),
    row('catch-up start: parked events', catchUpStart.parkedEvents, 'events', '0', catchUpStart.parkedEvents === 0),
    row('warm restart → ready', warmStart.readyMs, 'ms', `≤ ${TARGETS.readyMs}`, warmStart.readyMs <= TARGETS.readyMs),
    row('warm restart: RSS ready → +2 s', rss(warmStart), 'MB', `≤ ${TARGETS.rssMb}`, fits(warmStart)),
    row(
      `empty data dir → ready (median of ${emptyStart.runs.length})`,
      emptyStart.medianReadyMs,
      'ms',
      `≤ ${TARGETS.readyMs}`,
      emptyStart.medianReadyMs <= TARGETS.readyMs,
    ),
    row('empty data dir: RSS at ready', emptyStart.medianRssAtReadyMb, 'MB'),
  ];
}

const meets = (eventsPerSecond) => eventsPerSecond >= TARGETS.replayEventsPerSecond;
/** The target is the RSS of a service holding N events; the peak while it replays them is shown beside it. */
const fits = (start) => Math.max(start.rssAtReadyMb, start.rssSettledMb) <= TARGETS.rssMb;

async function main() {
  const { values } = parseArgs({ options: { events: { type: 'string' }, quick: { type: 'boolean' } } });
  const events = values.events === undefined ? (values.quick ? QUICK_EVENTS : DEFAULT_EVENTS) : Number(values.events);
  if (!Number.isSafeInteger(events) || events < 1) throw new RangeError('--events must be a positive integer');
  const started = performance.now();
  const result = await measureHistory({ events, onProgress: (step) => console.error(`history: ${step}`) });
  // Keyed by measure, so the table's first column names the row instead of numbering it.
  console.table(Object.fromEntries(historyTable(result).map(({ measure, ...figures }) => [measure, figures])));
  console.log(`${Math.round((performance.now() - started) / 1000)} s in all`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
