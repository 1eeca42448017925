// Public API of @castpoint/repair: sans-I/O reliable-multicast engines (NACK + Reed-Solomon FEC),
// the codec, and the seeded simulator. See docs/repair.md.
export { REPAIR_ERROR_CODES, RepairError, isRepairError, type RepairErrorCode, type RepairErrorData, type RepairErrorDataByCode } from './errors';
export { seededRng, type Rng } from './rng';
export { ReedSolomon, RS_MAX_SYMBOLS, type EncodeParityOptions } from './rs/reed-solomon';
export { gfMul, gfInv, gfPow } from './rs/gf256';
export { uniformLayout, checkLayout, DEFAULT_INTERLEAVE, DEFAULT_MAX_PARITY, type BlockLayout } from './engine/layout';
export { TIMERS, timerMs, GRTT_INITIAL_MS, GRTT_MIN_MS, GRTT_MAX_MS, type TimerName } from './engine/timers';
export type { RateLaw, SlowPolicy } from './engine/rate-control';
export {
  SenderEngine,
  type SenderOptions,
  type SenderEvent,
  type SenderAction,
  type DataPick,
  type SenderStats,
  type ReceiverInfo,
} from './engine/sender';
export { BufferPool } from './engine/buffer-pool';
export { ReceiverEngine, type ReceiverOptions, type ReceiverEvent, type ReceiverAction, type ReceiverStats } from './engine/receiver';
export { simulate, type SimOptions, type SimResult, type SimReceiverSpec, type SimReceiverResult } from './sim/simulate';
export { simulateBottleneck, type BottleneckSimOptions, type BottleneckSimResult } from './sim/bottleneck-sim';
export { independentLoss, gilbertElliottLoss, type LossModel } from './sim/loss';
