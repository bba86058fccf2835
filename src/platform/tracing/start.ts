import { startTracing } from './tracing';

/**
 * `main.ts`'s first import: tracing starts, when the environment asks for it, before any module the
 * instrumentations patch at require time is loaded by the imports that follow.
 */
startTracing(process.env);
