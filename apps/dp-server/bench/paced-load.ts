// An open-loop load generator: request k is sent at start + k / rate whether or not earlier ones
// have been answered, and its latency counts from that planned time, so a DP that falls behind
// shows in the numbers (a closed loop would wait for it and hide the queue).

export interface LoadResult {
  sent: number;
  failed: number;
  /** Requests answered per second over the run. */
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Why requests failed: HTTP status or error text, with counts. */
  failures: Record<string, number>;
  /** The generator's own lateness (planned -> sent), p99: large means the load box, not the DP, was slow. */
  sendLagP99Ms: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** `request` resolves to undefined when answered well, else to why not (a status, an error code). */
export async function pacedLoad(rate: number, seconds: number, request: (k: number) => Promise<string | undefined>): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (why: string) => {
    failed++;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  const start = performance.now() + 50;
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const planned = start + (k * 1000) / rate;
    const wait = planned - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    lags.push(Math.max(0, performance.now() - planned));
    inflight.push(
      request(k).then(
        (why) => {
          if (why !== undefined) fail(why);
          latencies.push(performance.now() - planned);
        },
        (err: unknown) => {
          const e = err as Error & { cause?: { code?: string } };
          fail(e.cause?.code ?? e.message);
          latencies.push(performance.now() - planned);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return { sent: total, failed, achievedRps: total / elapsed, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: latencies.at(-1) ?? NaN, failures, sendLagP99Ms: quantile(lags, 0.99) };
}
