import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../event-store/event-store';
import type { ReadStore } from '../read-store/read-store';
import type * as Sdk from './sdk';

/** Which adapter a store span names (`airisk.store.kind`). */
export type EventStoreKind = 'sqlite' | 'eventstoredb';
export type ReadStoreKind = 'sqlite' | 'mongodb';

/**
 * What the service does when traces are exported: the only way the rest of the code reaches
 * OpenTelemetry, so that with tracing off nothing of it is loaded, wrapped or run per request.
 * Everything here is applied once at boot (a store wrapped, a hook added), never checked per call.
 */
export interface Tracing {
  /** The store, with a span around each append and read (stream, event count, kind; never event data). */
  eventStore(store: EventStore, kind: EventStoreKind): EventStore;
  /** The store, with a span around each transaction (the MongoDB client's spans nest inside it). */
  readStore(store: ReadStore, kind: ReadStoreKind): ReadStore;
  /** Runs synchronous `work` inside a child span of the active one (the access-token signature). */
  span<T>(name: string, attributes: Readonly<Record<string, string | number>>, work: () => T): T;
  /** Names each request's server span after its route pattern (`POST /api/oauth2/token`), sets `http.route`. */
  nameRequestSpans(fastify: FastifyInstance): void;
  /** Exports the spans still buffered and stops the SDK, giving up after `withinMs`. */
  shutdown(withinMs: number): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Starts the OpenTelemetry SDK when the environment asks for traces, and answers the handle the
 * service wires in; undefined when it does not, without loading any OpenTelemetry package. Must run
 * before the modules the instrumentations patch are loaded (http, pino, mongodb, @grpc/grpc-js):
 * they are patched as they are required, which is why `start.ts` is `main.ts`'s first import.
 */
export function startTracing(environment: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (active || !tracesWanted(environment)) return active;
  // Required here, not imported at the top: the SDK must not even be loaded when tracing is off.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSdk } = require('./sdk') as typeof Sdk;
  active = startSdk();
  return active;
}

/** The handle `startTracing` answered: undefined when traces are not exported. */
export function tracing(): Tracing | undefined {
  return active;
}

/** The OTLP endpoint variables, the traces-only one first (it wins when both are set). */
const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;

/**
 * What is wrong with the endpoint variables, naming each, or undefined: the SDK itself would fall back
 * to its default endpoint on a URL it cannot parse and say so only at `OTEL_LOG_LEVEL=warn`, so a typo
 * would quietly send the traces elsewhere, or nowhere.
 */
export function endpointProblem(environment: NodeJS.ProcessEnv): string | undefined {
  const problems = ENDPOINT_VARIABLES.filter((name) => {
    const value = environment[name]?.trim();
    if (!value) return false;
    try {
      return !['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return true;
    }
  }).map((name) => `${name} is not an http(s) URL (e.g. http://otel-collector:4318)`);
  return problems.length > 0 ? `invalid configuration:\n  - ${problems.join('\n  - ')}` : undefined;
}

/**
 * An OTLP endpoint is named (for every signal, or traces alone), and neither the SDK nor its trace
 * exporter is turned off by the standard variables that do so.
 */
export function tracesWanted(environment: NodeJS.ProcessEnv): boolean {
  const endpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || environment.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint?.trim()) return false;
  if (environment.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return environment.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
}
