// How late the DP's event loop ran during a timed run: prom-client's event-loop-delay figures in
// the DP's /metrics (castpoint_dp_nodejs_eventloop_lag_*), whose histogram starts again at every
// scrape. Scraped once before the clock starts and once after the agents end, the second scrape
// covers the run. A late loop is a late NACK answer, a late pacing wake and a slow API reply: the
// figure issue 29.3's sends off the event loop are about.
import { collect } from '@castpoint/netlab';
import type { Fabric } from './fabric';
import type { RunningDp } from './fleet';

/**
 * prom-client samples the loop with a timer of this period (its eventLoopMonitoringPrecision,
 * which the DP leaves at the default) and records each period whole: an idle loop reads 10.1 ms.
 */
export const SAMPLE_PERIOD_MS = 10;

export interface LoopLag {
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The p99 and max event-loop delay in a /metrics text, or undefined when either is missing. */
export function parseLoopLag(metrics: string): LoopLag | undefined {
  const value = (name: string): number | undefined => {
    const m = new RegExp(`^castpoint_dp_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(metrics);
    const v = m ? Number(m[1]) : NaN;
    // How late the sampling timer ran: the recorded period less its length.
    return Number.isFinite(v) ? Math.max(0, v * 1000 - SAMPLE_PERIOD_MS) : undefined;
  };
  const p99Ms = value('p99');
  const maxMs = value('max');
  return p99Ms === undefined || maxMs === undefined ? undefined : { p99Ms, maxMs };
}

/** Reads the DP's /metrics from its own host (which also starts the delay histogram again). */
export async function scrapeLoopLag(lan: Fabric, dp: RunningDp): Promise<LoopLag | undefined> {
  const r = await collect(lan.spawn(lan.server, 'curl', ['-s', '-H', `authorization: Bearer ${dp.adminToken}`, `${dp.url}/metrics`]), 30_000).catch(() => undefined);
  return r?.code === 0 ? parseLoopLag(r.stdout) : undefined;
}

export function loopLagText(lag: LoopLag | undefined): string {
  return lag ? `DP event loop late by ${lag.p99Ms.toFixed(1)} ms at p99, ${lag.maxMs.toFixed(1)} ms at most` : 'DP event loop delay unknown';
}
