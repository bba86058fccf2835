#!/usr/bin/env node
// How long `npm start` takes to be ready, build included (README, Commands: within 5 s of the command on a
// fresh clone after `npm ci`): from spawning `npm start` until `/health/ready` answers 200, with dist/
// removed first (`fresh`, as after a clone) and as the previous start left it (`current`). Each start gets
// its own embedded stores in a temporary directory and its own port, and is stopped with SIGTERM.
//
//   node bench/start.mjs [runs]      runs of each kind, 3 unless given
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 3);

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Milliseconds from `npm start` to a 200 from `/health/ready`, on the embedded stores. */
async function timeStart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'airisk-start-'));
  const port = await freePort();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  for (const name of ['EVENTSTORE_CONNECTION_STRING', 'MONGODB_URI', 'ADMIN_API_KEY', 'NODE_ENV']) delete env[name];
  const started = performance.now();
  // Its own process group, so that npm, its shell and the service stop together.
  const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: 'ignore', detached: true });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) return performance.now() - started;
      await new Promise((done) => setTimeout(done, 20));
    }
  } finally {
    if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
  const ms = (value) => `${Math.round(value)} ms`;
  return `min ${ms(sorted[0])}, median ${ms(median)}, max ${ms(sorted.at(-1))} (${times.map(ms).join(', ')})`;
};

const fresh = [];
const current = [];
for (let run = 0; run < runs; run++) {
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  fresh.push(await timeStart());
  current.push(await timeStart());
}
console.log(`npm start until ready, dist/ removed first: ${summary(fresh)}`);
console.log(`npm start until ready, dist/ current:       ${summary(current)}`);
