import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The route label of a request no route matched (404s): raw paths never become label values. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The grant types the token endpoint issues tokens for: the values of `grant_type` on the issuance counter. */
export const ISSUED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type IssuedGrantType = (typeof ISSUED_GRANT_TYPES)[number];

/** What a runner reports of one projection (or of the live views) when Prometheus scrapes. */
export interface ProjectionReading {
  readonly projection: string;
  /** The commit part of the position it has applied everything up to; -1 before the first event. */
  readonly position: number;
  /** From the recording of the last event applied to its application; undefined before any. */
  readonly lagSeconds: number | undefined;
  readonly parkedEvents: number;
}

/**
 * Seconds, for requests whose p99 is tens of milliseconds: fine steps from 1 ms to 100 ms, then
 * coarser ones up to the 5 s a request may wait for its read model (read your writes).
 */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: an append waits for the WAL's fsync (a millisecond or a few), EventStoreDB for a round trip. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1];
/** Events written by one transaction of the embedded store's group commit. */
const GROUP_COMMIT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * The service's Prometheus metrics: the one module that imports `prom-client` (as each store
 * adapter is the only importer of its client). One instance, with its own registry, per app:
 * several apps in one process (the e2e tests) never share or collide. Every metric is created
 * here, once; labels are bounded sets (route patterns, grant types, RFC 6749 error codes,
 * projection names), never ids or raw paths. Recording is an increment or a histogram
 * observation; projection readings cost nothing until a scrape asks for them.
 */
export class Metrics {
  private readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status_code'>;
  private readonly issued: Counter<'grant_type'>;
  private readonly refused: Counter<'error'>;
  private readonly appends: Histogram;
  private readonly groupCommits: Histogram;
  private projectionSources: Array<() => readonly ProjectionReading[]> = [];

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code, from arrival to the answer sent.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.issued = new Counter({
      name: 'airisk_tokens_issued_total',
      help: 'Token answers given by the token endpoint, by grant type.',
      labelNames: ['grant_type'],
      registers,
    });
    for (const grantType of ISSUED_GRANT_TYPES) this.issued.inc({ grant_type: grantType }, 0);
    this.refused = new Counter({
      name: 'airisk_token_requests_refused_total',
      help: 'Token requests refused, by RFC 6749 error code.',
      labelNames: ['error'],
      registers,
    });
    this.appends = new Histogram({
      name: 'airisk_event_store_append_duration_seconds',
      help: 'Event store appends, from the call to the durable answer (or the refusal).',
      buckets: APPEND_BUCKETS,
      registers,
    });
    this.groupCommits = new Histogram({
      name: 'airisk_event_store_group_commit_size',
      help: 'Events written by one transaction of the embedded event store (group commit).',
      buckets: GROUP_COMMIT_BUCKETS,
      registers,
    });
    const readings = () => this.projectionSources.flatMap((source) => source());
    new Gauge({
      name: 'airisk_projection_lag_seconds',
      help: 'From the recording of the last event a projection (or the live views) applied to its application.',
      labelNames: ['projection'],
      registers,
      collect() {
        this.reset();
        for (const reading of readings()) {
          if (reading.lagSeconds !== undefined) this.set({ projection: reading.projection }, reading.lagSeconds);
        }
      },
    });
    new Gauge({
      name: 'airisk_projection_position',
      help: 'The global position a projection (or the live views) has applied every event up to (-1: none yet).',
      labelNames: ['projection'],
      registers,
      collect() {
        this.reset();
        for (const reading of readings()) this.set({ projection: reading.projection }, reading.position);
      },
    });
    new Gauge({
      name: 'airisk_projection_parked_events',
      help: 'Events a projection parked after retries since this instance started.',
      labelNames: ['projection'],
      registers,
      collect() {
        this.reset();
        for (const reading of readings()) this.set({ projection: reading.projection }, reading.parkedEvents);
      },
    });
  }

  /** One answered request; `route` is the route's pattern, undefined when no route matched. */
  request(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.requests.observe({ method, route: route ?? UNMATCHED_ROUTE, status_code: statusCode }, seconds);
  }

  tokenIssued(grantType: IssuedGrantType): void {
    this.issued.inc({ grant_type: grantType });
  }

  /** `error` comes from a bounded set: the caller maps anything else to one fixed value. */
  tokenRefused(error: string): void {
    this.refused.inc({ error });
  }

  append(seconds: number): void {
    this.appends.observe(seconds);
  }

  groupCommit(events: number): void {
    this.groupCommits.observe(events);
  }

  /** Adds what a runner reports, read at each scrape. */
  readProjections(source: () => readonly ProjectionReading[]): void {
    this.projectionSources.push(source);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, every metric collected now. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** The metrics registered, by name (a histogram's without `_bucket`, `_sum`, `_count`), with their type. */
  async registered(): Promise<Map<string, string>> {
    return new Map((await this.registry.getMetricsAsJSON()).map((metric) => [metric.name, String(metric.type)]));
  }
}
