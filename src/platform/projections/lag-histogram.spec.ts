import { LagHistogram } from './lag-histogram';

describe('LagHistogram', () => {
  it('reports nothing measured as zeros', () => {
    expect(new LagHistogram().summary()).toEqual({ samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 });
  });

  it('gives the median and the 99th percentile of the recorded lags, to the millisecond', () => {
    const histogram = new LagHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    expect(histogram.summary()).toEqual({ samples: 1000, p50Ms: 500, p99Ms: 990, maxMs: 1000 });
  });

  it('puts the slowest 2% in the 99th percentile, and counts anything beyond ten seconds as ten seconds', () => {
    const histogram = new LagHistogram();
    for (let n = 0; n < 980; n++) histogram.record(2.4);
    for (let n = 0; n < 20; n++) histogram.record(60_000);
    expect(histogram.summary()).toEqual({ samples: 1000, p50Ms: 2, p99Ms: 10_000, maxMs: 10_000 });
    histogram.record(-3); // a clock step back counts as no lag, never as a negative one
    expect(histogram.summary().samples).toBe(1001);
  });
});
