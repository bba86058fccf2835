/** Slowest lag told apart; anything slower counts in the last bucket. */
const MAX_MS = 10_000;

export interface LagSummary {
  /** Events measured: those applied while the projection was live (catch-up is not lag). */
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * From an event's recording to its read-model commit, for every event applied live: one counter per
 * millisecond, so quantiles cost no stored samples and recording costs an increment.
 */
export class LagHistogram {
  private readonly buckets = new Uint32Array(MAX_MS + 1);
  private samples = 0;
  private maxMs = 0;

  record(lagMs: number): void {
    const bucket = Math.min(Math.max(Math.round(lagMs), 0), MAX_MS);
    this.buckets[bucket] += 1;
    this.samples += 1;
    this.maxMs = Math.max(this.maxMs, bucket);
  }

  summary(): LagSummary {
    return { samples: this.samples, p50Ms: this.quantile(0.5), p99Ms: this.quantile(0.99), maxMs: this.maxMs };
  }

  /** The smallest lag at or under which at least `q` of the samples fall. */
  private quantile(q: number): number {
    const rank = Math.ceil(q * this.samples);
    let seen = 0;
    for (let bucket = 0; bucket <= this.maxMs; bucket++) {
      seen += this.buckets[bucket];
      if (seen >= rank && seen > 0) return bucket;
    }
    return 0;
  }
}
