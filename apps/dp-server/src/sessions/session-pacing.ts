// How the DP paces a session's datagrams (libs/transport Pacer options).
import type { RunPacedOptions } from '@castpoint/transport';

/**
 * `--max-rate` is a ceiling: after a stall the DP does not pay the lost credit back above it (the
 * Pacer's default does, at 10% over the rate), and a burst is at most 4 ms of traffic (~240 KB at
 * 475 Mbit/s), under the bucket of a typical shaper (tc's tbf in the test LAN: 256 KB). Above
 * either, a DP behind a token-bucket shaper kept it throttled, and a throttled shaper arms a timer
 * per packet: the DP spent 3.7 instead of 3.35 CPU s at 4 receivers x 1% and 4.0 instead of 2.4 s
 * with one receiver (500 Mbit/s), in the same wall time or less at 1, 4 and 8 receivers
 * (docs/benchmarks.md, session 7). A policing switch port drops what a shaper would queue.
 *
 * The loop sleeps at least 2 ms between bursts (~120 KB at 475 Mbit/s, half the burst cap): half
 * the wakes of the DP and of every agent, for 5% less DP CPU and 3% less agent CPU per GiB at the
 * same wall time (issue 29, docs/benchmarks.md session 21).
 */
export const SESSION_PACING: Pick<RunPacedOptions, 'maxBurstMs' | 'maxCatchUpMs' | 'minSleepMs'> = Object.freeze({ maxBurstMs: 4, maxCatchUpMs: 0, minSleepMs: 2 });
