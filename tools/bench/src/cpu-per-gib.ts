// CPU per GiB moved: the figure that decides wall time on a box whose cores the sender and every
// receiver share (issue 29). Wall seconds from a busy box say little; CPU seconds per GiB of image
// say what each end costs whatever the load. Pure maths, unit-tested in cpu-per-gib.spec.ts.

const GIB = 1024 ** 3;

/** CPU seconds per GiB of image; NaN when either figure is missing or the image is empty. */
export function cpuPerGiB(cpuSeconds: number, imageBytes: number): number {
  if (!Number.isFinite(cpuSeconds) || !(imageBytes > 0)) return NaN;
  return cpuSeconds / (imageBytes / GIB);
}

/** The median of the finite values (the mean of the middle two for an even count); NaN if none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** One run's CPU: the sender's seconds and each receiver's, in receiver order. */
export interface RunCpu {
  readonly senderCpuSeconds: number;
  readonly receiverCpuSeconds: readonly number[];
}

/** CPU per GiB of one tool in one case, each figure the median over its runs. */
export interface CpuPerGiB {
  readonly sender: number;
  /** Per receiver (in receiver order), the median over runs. */
  readonly receivers: readonly number[];
  /** The mean of `receivers`, and the costliest one. */
  readonly receiverMean: number;
  readonly receiverMax: number;
}

/**
 * Medians over runs, taken figure by figure (sender, receiver 1, receiver 2 ...), not the figures
 * of the median-wall run: CPU seconds vary from run to run less than wall time, and apart from it.
 */
export function summarizeCpu(runs: readonly RunCpu[], imageBytes: number): CpuPerGiB {
  const sender = median(runs.map((r) => cpuPerGiB(r.senderCpuSeconds, imageBytes)));
  const count = Math.max(0, ...runs.map((r) => r.receiverCpuSeconds.length));
  const receivers = Array.from({ length: count }, (_, i) => median(runs.map((r) => cpuPerGiB(r.receiverCpuSeconds[i] ?? NaN, imageBytes))));
  const known = receivers.filter(Number.isFinite);
  return {
    sender,
    receivers,
    receiverMean: known.length ? known.reduce((a, b) => a + b, 0) / known.length : NaN,
    receiverMax: known.length ? Math.max(...known) : NaN,
  };
}
