import { loopLagText, parseLoopLag } from './loop-lag';

// The lines prom-client 15 writes (help and type lines included), with the DP's prefix.
const METRICS = `# HELP castpoint_dp_nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.
# TYPE castpoint_dp_nodejs_eventloop_lag_max_seconds gauge
castpoint_dp_nodejs_eventloop_lag_max_seconds 0.034078719
# HELP castpoint_dp_nodejs_eventloop_lag_p90_seconds The 90th percentile of the recorded event loop delays.
castpoint_dp_nodejs_eventloop_lag_p90_seconds 0.010567679
# HELP castpoint_dp_nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.
# TYPE castpoint_dp_nodejs_eventloop_lag_p99_seconds gauge
castpoint_dp_nodejs_eventloop_lag_p99_seconds 0.0125
`;

describe('parseLoopLag', () => {
  it('reads the p99 and the max in milliseconds, less the 10 ms sampling period each includes', () => {
    const lag = parseLoopLag(METRICS);
    expect(lag?.p99Ms).toBeCloseTo(2.5, 6);
    expect(lag?.maxMs).toBeCloseTo(24.078719, 6);
    expect(loopLagText(lag)).toBe('DP event loop late by 2.5 ms at p99, 24.1 ms at most');
    // An idle loop's 10.1 ms is 0.1 ms late; a reading under the period is not late at all.
    expect(parseLoopLag(METRICS.replace('0.0125', '0.0099'))?.p99Ms).toBe(0);
  });

  it('knows nothing when a figure is missing or not a number', () => {
    expect(parseLoopLag(METRICS.replace(/^castpoint_dp_nodejs_eventloop_lag_p99_seconds .*$/m, ''))).toBeUndefined();
    expect(parseLoopLag(METRICS.replace('0.034078719', 'NaN'))).toBeUndefined();
    expect(parseLoopLag('')).toBeUndefined();
    expect(loopLagText(undefined)).toBe('DP event loop delay unknown');
  });
});
