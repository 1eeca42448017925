// The sender engine's option defaults and their checks (kept apart from the engine's logic).
import { RepairError } from '../errors';
import { checkLayout, DEFAULT_INTERLEAVE, DEFAULT_MAX_PARITY } from './layout';
import { STARTUP_DIVISOR } from './bottleneck-law';
import { DEFAULT_CONGESTION_GAP, DEFAULT_QUEUE_TARGET_US, type RateLaw, type SlowPolicy } from './rate-control';
import type { SenderOptions } from './sender-types';

export type ResolvedSenderOptions = Required<Omit<SenderOptions, 'slowPolicy' | 'repairBudget'>> & { slowPolicy: SlowPolicy };

/** Fills in the defaults and refuses impossible values with REPAIR_BAD_OPTIONS. */
export function resolveSenderOptions(options: SenderOptions): ResolvedSenderOptions {
  checkLayout(options.layout);
  const rateLaw: RateLaw = options.rateLaw ?? 'bottleneck';
  const o = {
    minRateBytesPerSec: options.maxRateBytesPerSec / 100,
    // The bottleneck law probes up from a fraction of the cap; AIMD starts at the cap.
    initialRateBytesPerSec: rateLaw === 'bottleneck' ? options.maxRateBytesPerSec / STARTUP_DIVISOR : options.maxRateBytesPerSec,
    rateLaw,
    queueTargetUs: DEFAULT_QUEUE_TARGET_US,
    slowPolicy: { kind: 'same-speed' } as SlowPolicy,
    maxParityPerBlock: DEFAULT_MAX_PARITY,
    silentTimeoutMs: 5000,
    repairShare: 1 / 3,
    congestionLossPpm: 250_000,
    congestionGap: DEFAULT_CONGESTION_GAP,
    slowRounds: 3,
    tierRatio: 0.5,
    maxAnnouncedRepairs: 64,
    interleave: DEFAULT_INTERLEAVE,
    ...options,
  };
  const firstReportTimeoutMs = options.firstReportTimeoutMs ?? o.silentTimeoutMs;
  const bad = (what: string, data: Record<string, unknown>): never => {
    throw new RepairError('REPAIR_BAD_OPTIONS', what, data);
  };
  if (!(o.maxRateBytesPerSec > 0) || !(o.minRateBytesPerSec > 0) || o.minRateBytesPerSec > o.maxRateBytesPerSec) bad('need 0 < minRateBytesPerSec <= maxRateBytesPerSec', { min: o.minRateBytesPerSec, max: o.maxRateBytesPerSec });
  if (!(o.symbolSize >= 1)) bad('symbolSize must be >= 1', { symbolSize: o.symbolSize });
  if (!Number.isInteger(o.maxParityPerBlock) || o.maxParityPerBlock < 1 || o.maxParityPerBlock > 254) bad('maxParityPerBlock must be 1..254', { maxParityPerBlock: o.maxParityPerBlock });
  if (!(o.silentTimeoutMs > 0)) bad('silentTimeoutMs must be > 0', { silentTimeoutMs: o.silentTimeoutMs });
  if (!(firstReportTimeoutMs > 0)) bad('firstReportTimeoutMs must be > 0', { firstReportTimeoutMs });
  if (!(o.repairShare > 0 && o.repairShare <= 1)) bad('repairShare must be in (0, 1]', { repairShare: o.repairShare });
  if (!Number.isInteger(o.interleave) || o.interleave < 1) bad('interleave must be a positive integer', { interleave: o.interleave });
  if (!(o.queueTargetUs > 0)) bad('queueTargetUs must be > 0', { queueTargetUs: o.queueTargetUs });
  if (o.rateLaw !== 'bottleneck' && o.rateLaw !== 'aimd') bad("rateLaw must be 'bottleneck' or 'aimd'", { rateLaw: o.rateLaw });
  if (o.slowPolicy.kind === 'disconnect' && !(o.slowPolicy.kbps > 0)) bad('disconnect policy needs kbps > 0', { kbps: o.slowPolicy.kbps });
  return { ...o, firstReportTimeoutMs };
}
