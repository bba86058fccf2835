import type { LiveViewStatus } from '../projections/live-view-runner';
import type { ProjectionStatus } from '../projections/projection-runner';
import { Metrics, UNMATCHED_ROUTE } from './metrics';
import { projectionReadings } from './projection-readings';

const lagSummary = { samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };

function projection(overrides: Partial<ProjectionStatus>): ProjectionStatus {
  return {
    name: 'grants',
    version: 1,
    state: 'live',
    position: '41/41',
    lastLagMs: null,
    lag: lagSummary,
    parkedEvents: 0,
    ...overrides,
  };
}

const liveViews: LiveViewStatus = { state: 'live', position: '42/42', views: ['security'], lastLagMs: 3 };

describe('Metrics', () => {
  it('labels a request no route matched with one fixed value, never its path', async () => {
    const metrics = new Metrics();
    metrics.request('GET', undefined, 404, 0.002);
    metrics.request('GET', '/api/admin/clients/:clientId', 200, 0.004);
    const text = await metrics.exposition();
    expect(text).toContain(
      `http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status_code="404"} 1`,
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/admin/clients/:clientId",status_code="200"} 1',
    );
  });

  it('shows every grant type from the start, at 0', async () => {
    const text = await new Metrics().exposition();
    for (const grantType of ['authorization_code', 'refresh_token', 'client_credentials']) {
      expect(text).toContain(`airisk_tokens_issued_total{grant_type="${grantType}"} 0`);
    }
  });

  it('reads the projections at each scrape, and keeps nothing of a projection gone', async () => {
    const metrics = new Metrics();
    let statuses = [projection({ lastLagMs: 250, parkedEvents: 2 }), projection({ name: 'users', state: 'standby' })];
    metrics.readProjections(() => projectionReadings(statuses, liveViews));
    const first = await metrics.exposition();
    expect(first).toContain('airisk_projection_lag_seconds{projection="grants"} 0.25');
    expect(first).toContain('airisk_projection_parked_events{projection="grants"} 2');
    expect(first).toContain('airisk_projection_position{projection="users"} 41');
    expect(first).not.toContain('airisk_projection_lag_seconds{projection="users"}'); // standby: its writer tells
    expect(first).toContain('airisk_projection_lag_seconds{projection="live:security"} 0.003');
    expect(first).toContain('airisk_projection_position{projection="live:security"} 42');
    statuses = [projection({ position: '50/50' })];
    const second = await metrics.exposition();
    expect(second).toContain('airisk_projection_position{projection="grants"} 50');
    expect(second).toContain('airisk_projection_lag_seconds{projection="grants"} 0'); // live, nothing since
    expect(second).not.toContain('projection="users"');
  });

  it('keeps each instance to its own registry', async () => {
    const one = new Metrics();
    const other = new Metrics();
    one.tokenIssued('client_credentials');
    one.append(0.001);
    one.groupCommit(3);
    expect(await one.exposition()).toContain('airisk_tokens_issued_total{grant_type="client_credentials"} 1');
    expect(await other.exposition()).toContain('airisk_tokens_issued_total{grant_type="client_credentials"} 0');
    expect(await one.exposition()).toContain('airisk_event_store_group_commit_size_sum 3');
    expect(await other.exposition()).toContain('airisk_event_store_append_duration_seconds_count 0');
  });

  it('registers the process metrics too', async () => {
    const names = [...(await new Metrics().registered()).keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_gc_duration_seconds',
        'airisk_event_store_append_duration_seconds',
      ]),
    );
  });
});
