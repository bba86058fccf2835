import { endpointProblem, startTracing } from './tracing';

/**
 * `main.ts`'s first import: tracing starts, when the environment asks for it, before any module the
 * instrumentations patch at require time is loaded by the imports that follow. An endpoint that is
 * not a URL stops the start as any invalid variable does (named, exit status 1).
 */
const problem = endpointProblem(process.env);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
startTracing(process.env);
