import { parsePosition } from '../event-store/position';
import type { LiveViewStatus } from '../projections/live-view-runner';
import type { ProjectionStatus } from '../projections/projection-runner';
import type { ProjectionReading } from './metrics';

/** The `projection` label of a live view: `live:<view name>`, apart from the projections' names. */
export const liveViewLabel = (view: string) => `live:${view}`;

/**
 * What `/metrics` shows of the runners, from the status `/health/ready` reports. Lag: that of the
 * last event applied; 0 when live with nothing applied since it went live (it was at the head
 * then); no sample when there is nothing to say (a projection on standby follows another
 * instance's writes, whose own metrics tell its lag).
 */
export function projectionReadings(
  projections: readonly ProjectionStatus[],
  liveViews: LiveViewStatus,
): ProjectionReading[] {
  const readings = projections.map((status) => ({
    projection: status.name,
    position: commitOf(status.position),
    lagSeconds: lagSeconds(status.lastLagMs, status.state === 'live'),
    parkedEvents: status.parkedEvents,
  }));
  const lag = lagSeconds(liveViews.lastLagMs, liveViews.state === 'live');
  const position = commitOf(liveViews.position);
  for (const view of liveViews.views) {
    readings.push({ projection: liveViewLabel(view), position, lagSeconds: lag, parkedEvents: 0 });
  }
  return readings;
}

function lagSeconds(lastLagMs: number | null, live: boolean): number | undefined {
  if (lastLagMs !== null) return Math.max(lastLagMs, 0) / 1000;
  return live ? 0 : undefined;
}

/** The commit part of a formatted position, as a number (exact up to 2^53, far beyond any store). */
function commitOf(position: string): number {
  return Number(parsePosition(position).commit);
}
