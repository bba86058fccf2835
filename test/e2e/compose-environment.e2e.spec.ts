import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { freePort, SERVER_ENTRY } from '../support/server-process';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * docker-compose.yml is only worth something if the service starts with it. No Docker engine is
 * needed to check most of that: the `identity` service's environment, resolved the way
 * `docker compose config` resolves it, is handed to the built service (`npm run build`) as it is.
 * The store host names (`eventstore`, `mongo`) do not resolve outside the compose network, so the
 * service must stay up, live and not ready, naming both stores as down, and stop on SIGTERM.
 */

const ROOT = join(__dirname, '..', '..');
type Variables = Record<string, string | undefined>;
type Yaml = any;

/**
 * Compose's interpolation: `$$` is a literal `$`; `$VAR` and `${VAR}` are the variable (empty when
 * unset); `${VAR:-default}` / `${VAR-default}` fall back when unset or empty / unset;
 * `${VAR:?message}` / `${VAR?message}` refuse the file; `${VAR:+other}` / `${VAR+other}` the
 * reverse of the defaults. Defaults may themselves hold variables.
 */
function interpolate(text: string, variables: Variables): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text[i] !== '$') {
      out += text[i++];
      continue;
    }
    if (text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] === '{') {
      let depth = 1;
      let end = i + 2;
      for (; end < text.length && depth > 0; end++) {
        if (text[end] === '{') depth++;
        else if (text[end] === '}') depth--;
      }
      if (depth > 0) throw new Error(`invalid interpolation format: ${text}`);
      out += substitute(text.slice(i + 2, end - 1), variables, text);
      i = end;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
    if (!name) throw new Error(`invalid interpolation format: ${text} (a literal $ is written $$)`);
    out += variables[name] ?? '';
    i += 1 + name.length;
  }
  return out;
}

function substitute(expression: string, variables: Variables, text: string): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!match) throw new Error(`invalid interpolation format: ${text}`);
  const [, name, operator, argument = ''] = match;
  const value = variables[name];
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (operator) {
    case undefined:
      return value ?? '';
    case ':-':
      return nonEmpty ? value : interpolate(argument, variables);
    case '-':
      return set ? value : interpolate(argument, variables);
    case ':?':
    case '?':
      if (operator === ':?' ? !nonEmpty : !set) {
        throw new Error(`required variable ${name} is missing a value: ${interpolate(argument, variables)}`);
      }
      return value!;
    case ':+':
      return nonEmpty ? interpolate(argument, variables) : '';
    default: // '+'
      return set ? interpolate(argument, variables) : '';
  }
}

/** Every string in the document interpolated, as compose does before it reads the file. */
function resolve(node: Yaml, variables: Variables): Yaml {
  if (typeof node === 'string') return interpolate(node, variables);
  if (Array.isArray(node)) return node.map((item) => resolve(item, variables));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value, variables)]));
  }
  return node;
}

/** A service's `environment` (mapping or `KEY=value` list); a bare name is taken from `variables`. */
function environmentOf(service: Yaml, variables: Variables): Record<string, string> {
  const entries: Array<[string, unknown]> = Array.isArray(service.environment)
    ? service.environment.map((item: string) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, null] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {});
  const environment: Record<string, string> = {};
  for (const [name, value] of entries) {
    const resolved =
      value === null || value === undefined
        ? variables[name]
        : typeof value === 'string'
          ? value
          : JSON.stringify(value);
    if (resolved !== undefined) environment[name] = resolved;
  }
  return environment;
}

function loadCompose(variables: Variables): Yaml {
  return resolve(parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }), variables);
}

/** What a person running `ADMIN_API_KEY=$(openssl rand -hex 32) docker compose up` has set. */
const USER_VARIABLES: Variables = { ADMIN_API_KEY: randomBytes(32).toString('hex') };

interface Booted {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly stderr: () => string;
  /** stdout and stderr as they came, for failure messages. */
  readonly output: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The built service with exactly `environment` (nothing inherited from the test process), except
 * PORT, a free port since the test shares the machine, and DATA_DIR, a temporary directory since
 * the compose value, /data, would be written on the test machine.
 */
async function boot(environment: Record<string, string>): Promise<Booted> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...environment, PORT: String(port), DATA_DIR: temporaryDirectory() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    output += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { child, baseUrl: `http://127.0.0.1:${port}`, stderr: () => stderr, output: () => output, exit };
}

/** `promise`'s value, or 'timed out' after `ms` (the timer does not outlive the race). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, 'timed out' as const, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** A store's state in the readiness body (`{ state, server?, reason?, since }`). */
const stateOf = (store: unknown) => (store as { state?: string } | undefined)?.state;

describe('docker-compose.yml', () => {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('interpolates as compose does', () => {
    const variables = { SET: 'x', EMPTY: '' };
    expect(interpolate('$$SET ${SET} $SET-', variables)).toBe('$SET x x-');
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET:-${SET}}', variables)).toBe('d  d x');
    expect(interpolate('${SET:+y} ${EMPTY:+y} ${EMPTY+y}', variables)).toBe('y  y');
    expect(() => interpolate('${EMPTY:?give it}', variables)).toThrow(/EMPTY is missing a value: give it/);
    expect(interpolate('${EMPTY?give it}', variables)).toBe('');
    expect(() => interpolate('a $ b', variables)).toThrow(/invalid interpolation/);
  });

  it('resolves with only ADMIN_API_KEY set: every service restarts and is health-checked, the ISSUER is https', () => {
    const compose = loadCompose(USER_VARIABLES);
    for (const [name, service] of Object.entries<Yaml>(compose.services)) {
      expect({ name, restart: service.restart }).toEqual({
        name,
        restart: expect.stringMatching(/^(always|unless-stopped|on-failure)/),
      });
      expect({ name, test: service.healthcheck?.test?.[0] }).toEqual({
        name,
        test: expect.stringMatching(/^CMD(-SHELL)?$/),
      });
      expect(service.healthcheck.disable).not.toBe(true);
    }
    const issuer = new URL(environmentOf(compose.services.identity, USER_VARIABLES).ISSUER);
    expect(issuer.protocol).toBe('https:');
    // The proxy serves exactly that address: its published port, and a site block in its Caddyfile.
    expect(compose.services.caddy.ports).toContain(`${issuer.port}:${issuer.port}`);
    const caddyfile = readFileSync(join(ROOT, 'deploy', 'caddy', 'Caddyfile'), 'utf8');
    const siteAddress = issuer.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(caddyfile).toMatch(new RegExp(`^${siteAddress}\\s*\\{`, 'm'));
  });

  it('boots the service with the identity environment: stays up, live, not ready naming both stores, stops on SIGTERM', async () => {
    const environment = environmentOf(loadCompose(USER_VARIABLES).services.identity, USER_VARIABLES);
    expect(environment).toMatchObject({ NODE_ENV: 'production', ADMIN_API_KEY: USER_VARIABLES.ADMIN_API_KEY });
    const started = Date.now();
    const service = await boot(environment);
    running.push(service.child);

    // Neither store can be reached; the process must not give up for that.
    let live = false;
    while (Date.now() - started < 10_000) {
      expect({ exitCode: service.child.exitCode, output: service.output() }).toEqual({
        exitCode: null,
        output: expect.anything(),
      });
      if (!live)
        live = await fetch(`${service.baseUrl}/health/live`).then(
          (r) => r.status === 200,
          () => false,
        );
      await sleep(250);
    }
    expect(live).toBe(true);
    expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);

    // Not ready, naming both stores as down. A store is first 'connecting' until its first probe
    // fails, which a slow resolver can stretch: give that a little longer, still never exiting.
    let ready: { status: number; body: string } = { status: 0, body: '' };
    const deadline = Date.now() + 10_000;
    do {
      const response = await fetch(`${service.baseUrl}/health/ready`);
      ready = { status: response.status, body: await response.text() };
      const report = JSON.parse(ready.body);
      if (stateOf(report.eventStore) === 'down' && stateOf(report.readStore) === 'down') break;
      await sleep(250);
    } while (Date.now() < deadline);
    expect(ready).toEqual({ status: 503, body: expect.any(String) });
    const report = JSON.parse(ready.body);
    expect({
      ready: report.ready,
      eventStore: stateOf(report.eventStore),
      readStore: stateOf(report.readStore),
    }).toEqual({ ready: false, eventStore: 'down', readStore: 'down' });
    expect({ exitCode: service.child.exitCode, signal: service.child.signalCode }).toEqual({
      exitCode: null,
      signal: null,
    });

    service.child.kill('SIGTERM');
    expect(await within(service.exit, 10_000)).not.toBe('timed out');
  }, 45_000);

  it('exits 1 naming EVENTSTORE_CONNECTION_STRING when it is not a connection string', async () => {
    const environment = environmentOf(loadCompose(USER_VARIABLES).services.identity, USER_VARIABLES);
    const service = await boot({ ...environment, EVENTSTORE_CONNECTION_STRING: 'http://eventstore:2113' });
    running.push(service.child);
    expect(await within(service.exit, 10_000)).toEqual({ code: 1, signal: null });
    expect(service.stderr()).toMatch(/EVENTSTORE_CONNECTION_STRING/);
  }, 20_000);
});
