// npm run bench:profile [-- issuance|introspection|codeflow] [--seconds N]: runs one workload against
// this service under `node --cpu-prof` and prints where the CPU time went: self time by area (our
// source folders, each npm package, Node internals, native code, GC, idle) and the hottest functions, over
// the load window only (start-up left out), with the event loop's busy ms per 1,000 requests beside the
// whole process's CPU (every thread, from /proc) over the same window.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FORM,
  basic,
  codeFlow,
  issuance,
  load,
  measure,
  registerClient,
  settle,
  startOurs,
  stop,
  stopAll,
  token,
} from './harness.mjs';

const workload = process.argv.slice(2).find((argument) => !argument.startsWith('-') && !/^\d+$/.test(argument));
const secondsFlag = process.argv.indexOf('--seconds');
const seconds = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : 10;
const PROFILED_QUIET_MS = 10;

async function main() {
  const profileDir = mkdtempSync(join(tmpdir(), 'airisk-profile-'));
  const ours = await startOurs({ nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  const client = await registerClient(ours);
  const target = await targetFor(workload ?? 'issuance', ours, client);
  // A short warm-up, left out of the window like start-up (JIT, first connections).
  await load(target, Math.min(3, seconds));
  // The profiler's sampling thread alone takes ~5 ms of every 100: quiet is below 10.
  await settle(ours.child.pid, { quietMs: PROFILED_QUIET_MS });
  // The profile's timestamps are the monotonic clock's microseconds, as process.hrtime is here.
  const window = { from: micros() };
  const result = await measure(ours, target, seconds, { quietMs: PROFILED_QUIET_MS });
  window.to = micros();
  await stop(ours);
  const requests = result.requests.total;
  console.log(
    `${workload ?? 'issuance'}: ${Math.round(result.requests.average)} req/s under the profiler, ` +
      `p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${requests} requests completed`,
  );
  const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written to ${profileDir}`);
  summarize(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), window, requests);
  console.log(
    `process CPU, every thread (/proc, profiler on): ${result.cpu.serverMsPer1k} ms per 1,000 requests ` +
      `(${Math.round(result.cpu.serverMs)} ms; worker threads, libuv's pool and the profiler's own thread included)`,
  );
  console.log(`profile: ${join(profileDir, file)} (open it in Chrome DevTools or speedscope for the flame graph)`);
}

async function targetFor(name, ours, client) {
  if (name === 'issuance') return issuance(ours, client);
  if (name === 'introspection') {
    const authorization = basic(client.clientId, client.clientSecret);
    const accessToken = await token(`${ours.url}/api/oauth2/token`, authorization);
    return {
      url: `${ours.url}/api/oauth2/introspect`,
      method: 'POST',
      headers: { ...FORM, authorization },
      body: `token=${accessToken}`,
    };
  }
  if (name === 'codeflow') return codeFlow(ours, client);
  throw new RangeError(`unknown workload ${name}: issuance, introspection or codeflow`);
}

const micros = () => Number(process.hrtime.bigint() / 1000n);

/** Self time per profile node within the window, attributed to an area and to a function. */
function summarize(profile, window, requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index];
    if (at < window.from || at > window.to) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + profile.timeDeltas[index]);
  });
  const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
  const areas = new Map();
  const functions = new Map();
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id);
    const area = areaOf(callFrame);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const where = callFrame.url ? `${shorten(callFrame.url)}:${callFrame.lineNumber + 1}` : area;
    const key = `${callFrame.functionName || '(anonymous)'}  ${where}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  const table = (map, limit) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 1000),
        '% of busy': ((100 * micros) / busy).toFixed(1),
      }));
  console.log(
    `busy ${Math.round(busy / 1000)} ms of ${Math.round(total / 1000)} ms sampled in the load window (main thread); ` +
      `busy ms per 1,000 requests: ${(busy / requests).toFixed(1)}`,
  );
  // Sampling measures wall time: on a machine short of cores, the time the thread waited for one counts as busy.
  console.log('(busy: wall time the event loop was not idle, including any time it waited for a core)');
  console.table(table(areas, 25));
  console.table(table(functions, 30));
}

function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (packageMatch) return packageMatch[1];
  const ourMatch = url.match(/\/dist\/(.+)\/[^/]+\.js$/);
  if (ourMatch) return `src/${ourMatch[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return shorten(url);
}

function shorten(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'src/');
}

main().then(
  () => stopAll(),
  (error) => {
    stopAll();
    console.error(error);
    process.exitCode = 1;
  },
);
