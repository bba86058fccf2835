#!/usr/bin/env node
// `npm run start:dev`: `node --watch-path=src` runs this again after every change under src/ (stopping the
// service with SIGTERM first); each run builds, as `npm start` does (SWC, under a second), then serves from
// dist/. No type check here: `npm run typecheck` (or an editor) does that.
import { execFileSync } from 'node:child_process';

execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
await import('../dist/main.js');
