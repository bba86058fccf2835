import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from './metrics';

const DASHBOARD = join(__dirname, '..', '..', '..', 'docs', 'grafana', 'airisk-identity.json');

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
}

/** The series a PromQL expression selects: each name written before a `{` matcher or a `[range]`. */
function seriesIn(expression: string): string[] {
  return [...expression.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[])/g)].map((match) => match[1]);
}

/** The metric a series belongs to: itself, or the histogram whose `_bucket`, `_sum` or `_count` it is. */
function metricOf(series: string, registered: Map<string, string>): string | undefined {
  if (registered.has(series)) return series;
  const base = /^(.*)_(?:bucket|sum|count)$/.exec(series)?.[1];
  return base !== undefined && registered.get(base) === 'histogram' ? base : undefined;
}

/**
 * `docs/grafana/airisk-identity.json` is a Grafana dashboard whose every query names a metric the
 * service serves (those `Metrics` registers, process defaults included), so it shows data the day
 * it is imported, and it charts each of the service's own metrics.
 */
describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    title: string;
    uid: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: Array<{ definition?: string }> };
  };
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
  const expressions = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
  let registered: Map<string, string>;

  beforeAll(async () => {
    registered = await new Metrics().registered();
  });

  it('is a dashboard of Prometheus panels, each with a query', () => {
    expect(dashboard).toMatchObject({ title: 'airisk-identity', uid: 'airisk-identity' });
    expect(dashboard.schemaVersion).toBeGreaterThan(30);
    expect(panels.length).toBeGreaterThan(8);
    for (const panel of panels) {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(seriesIn(target.expr ?? '').length).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the service serves', () => {
    const variables = dashboard.templating.list.map((variable) => variable.definition ?? '');
    const named = [
      ...expressions.flatMap(seriesIn),
      ...variables.flatMap((query) => [...query.matchAll(/label_values\((\w+)/g)].map((match) => match[1])),
    ];
    const unknown = named.filter((series) => metricOf(series, registered) === undefined);
    expect(unknown).toEqual([]);
  });

  it("charts every one of the service's own metrics, and its memory and event-loop lag", () => {
    const charted = new Set(expressions.flatMap(seriesIn).map((series) => metricOf(series, registered)));
    const own = [...registered.keys()].filter((name) => name.startsWith('airisk_') || name.startsWith('http_'));
    expect(own).toHaveLength(8);
    for (const name of [...own, 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(charted).toContain(name);
    }
  });
});
