import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const SERVER_ENTRY = join(__dirname, '..', '..', 'dist', 'main.js');

/**
 * The variables that point the service (and its CLIs) at live EventStoreDB / MongoDB servers. A
 * developer who exported them for the contract suites must not have every spawned server write to
 * those shared servers too: children get them only when a test passes them explicitly.
 */
export const LIVE_STORE_VARIABLES = ['EVENTSTORE_CONNECTION_STRING', 'MONGODB_URI'] as const;

/** The test process's environment minus the live-store variables, then `explicit` on top. */
export function childEnvironment(explicit: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const name of LIVE_STORE_VARIABLES) delete inherited[name];
  return { ...inherited, ...explicit };
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly output: () => string;
}

/** The built service (`npm run build`) as a separate OS process, as operators run it. */
export async function startServerProcess(environment: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(SERVER_ENTRY))
    throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first (npm test does)`);
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: childEnvironment({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...environment }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, baseUrl, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server not ready within 15 s:\n${output}`);
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `request` from `workers` concurrent loops against `server` until `enough()` holds, then kills
 * the server with SIGKILL mid-burst. Answers how many loops were cut off by the kill (each stops at
 * its first failed request): all of them when the burst really was in flight.
 */
export async function killMidBurst(
  server: ServerProcess,
  request: (worker: number, attempt: number) => Promise<void>,
  enough: () => boolean,
  workers = 16,
): Promise<number> {
  let cutOff = 0;
  const loop = async (worker: number) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await request(worker, attempt);
      } catch {
        cutOff++;
        return;
      }
    }
  };
  const loops = Array.from({ length: workers }, (_, worker) => loop(worker));
  while (!enough()) await new Promise((resolve) => setTimeout(resolve, 5));
  server.child.kill('SIGKILL');
  await exited(server.child);
  await Promise.all(loops);
  return cutOff;
}
