// npm run test:production [-- test paths or jest arguments]: the port contract suites (or the given
// suites) against live EventStoreDB and MongoDB servers. `npm test` skips the live-server suites
// (saying so) when the variables are unset; this command refuses instead, so "passed" here always means the production adapters really ran.
// It only checks that something answers on each server's port (a TCP connect, no client library):
// the suites themselves find out whether it is the right server.
import { spawn } from 'node:child_process';
import { resolveSrv } from 'node:dns/promises';
import { connect } from 'node:net';

const PROBE_TIMEOUT_MS = 3_000;

const HOW = `Start them and point the variables at them:
  docker compose up -d --wait eventstore mongo
  export EVENTSTORE_CONNECTION_STRING='kurrentdb://localhost:2113?tls=false'
  export MONGODB_URI='mongodb://localhost:27017/airisk_identity_test?replicaSet=rs0&directConnection=true'
  npm run test:production`;

const STORES = [
  { variable: 'EVENTSTORE_CONNECTION_STRING', defaultPort: 2113 },
  { variable: 'MONGODB_URI', defaultPort: 27017 },
];

/** host:port pairs of `kurrentdb://user:pass@a:1,b:2/?x=y` or `mongodb://user:pass@a:1,b/db?x=y`. */
function hostsOf(connectionString, defaultPort) {
  const rest = connectionString.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = rest.split(/[/?]/, 1)[0];
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  return hosts
    .split(',')
    .filter(Boolean)
    .map((host) => {
      const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(host);
      if (!match) throw new Error(`cannot read a host:port in "${host}"`);
      return { host: match[1] ?? match[2], port: Number(match[3] ?? defaultPort) };
    });
}

/** mongodb+srv:// names a DNS SRV record, not a host: probe the hosts it lists. */
async function targetsOf(connectionString, defaultPort) {
  if (!/^mongodb\+srv:\/\//i.test(connectionString)) return hostsOf(connectionString, defaultPort);
  const [{ host }] = hostsOf(connectionString, defaultPort);
  const records = await resolveSrv(`_mongodb._tcp.${host}`);
  return records.map((record) => ({ host: record.name, port: record.port }));
}

function answers({ host, port }) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    const done = (problem) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('error', (error) => done(error.code ?? error.message));
  });
}

/** Why this store cannot be tested, or null when at least one of its hosts answers. */
async function problemOf({ variable, defaultPort }) {
  const value = process.env[variable];
  if (!value) return `${variable} is not set`;
  let targets;
  try {
    targets = await targetsOf(value, defaultPort);
  } catch (error) {
    return `${variable}: ${error.message}`;
  }
  const problems = await Promise.all(targets.map(answers));
  if (problems.some((problem) => problem === null)) return null;
  const shown = ({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const tried = targets.map((target, i) => `${shown(target)} (${problems[i]})`).join(', ');
  return `${variable}: nothing answers at ${tried}`;
}

const problems = (await Promise.all(STORES.map(problemOf))).filter(Boolean);
if (problems.length > 0) {
  process.stderr.write(
    `test:production needs live EventStoreDB and MongoDB servers:\n` +
      problems.map((problem) => `  - ${problem}\n`).join('') +
      `${HOW}\n`,
  );
  process.exit(1);
}

// With no test paths, the contract suites; with paths (e.g. test/e2e/oauth-airisk.e2e.spec.ts), those,
// and the services they start run on the live servers (test/support/running-app.ts). An e2e suite
// expects an event store nobody else has written to: start fresh servers for each one
// (`docker compose down -v && docker compose up -d --wait eventstore mongo`), as the workflow does.
const args = process.argv.slice(2);
const paths = args.some((arg) => !arg.startsWith('-')) ? [] : ['test/contract'];
// One suite at a time: the suites share the two servers.
const jest = spawn('npx', ['jest', ...paths, '--runInBand', ...args], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, AIRISK_TEST_STORES: 'production' },
});
jest.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
