// The sender engine's options, events, actions and stats: the contract the DP app codes against.
import type { AnnounceMessage, ControlMessage, KickMessage, Packet, ReceiverState } from '@castpoint/wire';
import type { Rng } from '../rng';
import type { BlockLayout } from './layout';
import type { RateLaw, SlowPolicy } from './rate-control';
import type { RepairBudgetOptions } from './repair-budget';

export interface SenderOptions {
  readonly sessionId: number;
  readonly layout: BlockLayout;
  /** Bytes per symbol (one symbol per data packet payload). */
  readonly symbolSize: number;
  /** Rate cap, bytes/s. */
  readonly maxRateBytesPerSec: number;
  /** Rate floor, bytes/s. @default maxRateBytesPerSec / 100 */
  readonly minRateBytesPerSec?: number;
  /** Rate at start, bytes/s. @default maxRateBytesPerSec / 8 under `bottleneck`, maxRateBytesPerSec under `aimd` */
  readonly initialRateBytesPerSec?: number;
  /**
   * What sets the rate: `bottleneck` (receivers' delivery rates and queueing delays, random loss
   * ignored; bottleneck-law.ts) or `aimd` (x0.75 on heavy loss, +5% of the cap otherwise; the law
   * before issue 29.5). The slow-receiver policy is the same under both. @default 'bottleneck'
   */
  readonly rateLaw?: RateLaw;
  /** Under `bottleneck`: a reported queueing delay at or above this marks congestion, us. @default 10000 */
  readonly queueTargetUs?: number;
  /** @default { kind: 'same-speed' } */
  readonly slowPolicy?: SlowPolicy;
  /** Seeded randomness (probe target choice). */
  readonly rng: Rng;
  /**
   * Parity symbols a block may have; n = k + parity is capped at 255 per block. More parity means
   * repairs stay fresh for every receiver for longer before the rotation comes back to source
   * symbols (which only help receivers missing exactly those). @default 191 (n = 255 at k = 64)
   */
  readonly maxParityPerBlock?: number;
  /** A receiver not heard from for this long is dropped. @default 5000 */
  readonly silentTimeoutMs?: number;
  /**
   * A registered receiver that has not spoken yet is dropped after this long instead: a machine in
   * a preinstall environment (a slow CPU, an emulated VM) may take several seconds from its HTTP
   * request to its first status. @default silentTimeoutMs
   */
  readonly firstReportTimeoutMs?: number;
  /**
   * Share of send slots repairs may take while new data remains, so loss never stalls the stream
   * and a receiver that needs no repair finishes within 1 / (1 - repairShare) of its time alone
   * (1.5x), whatever another receiver's loss. @default 1/3
   */
  readonly repairShare?: number;
  /** Per-receiver bounds on repair requests (repair-budget.ts). @default the RepairBudget defaults */
  readonly repairBudget?: RepairBudgetOptions;
  /** Status loss above this marks a receiver congested (parts per million). @default 250000 */
  readonly congestionLossPpm?: number;
  /** A status reporting this many consecutive packets missed marks its receiver congested. @default 16 */
  readonly congestionGap?: number;
  /** Consecutive slow rate rounds before the slow policy acts. @default 3 */
  readonly slowRounds?: number;
  /** `tiers`: a congested receiver below this fraction of the median goodput is demoted. @default 0.5 */
  readonly tierRatio?: number;
  /** Most repair entries in one announce. @default 64 */
  readonly maxAnnouncedRepairs?: number;
  /**
   * New data goes out in groups of this many blocks, symbol i of each block in turn, so a burst
   * of lost packets costs each block of the group one symbol instead of one block many. The
   * receivers must be built with the same value. @default 32 (DEFAULT_INTERLEAVE)
   */
  readonly interleave?: number;
}

export type SenderEvent =
  | { readonly type: 'register'; readonly receiverId: number }
  | { readonly type: 'unregister'; readonly receiverId: number }
  /**
   * A scheduled start expects `count` agents, most of which register only when they ask again:
   * new data is held until `count` registered receivers have been heard (their first status
   * report) or `graceMs` passed. Announces go out meanwhile.
   */
  | { readonly type: 'await-joiners'; readonly count: number; readonly graceMs: number }
  | { readonly type: 'packet'; readonly packet: Packet<ControlMessage> };

export type SenderAction =
  /** Send to the group (announce, kick). */
  | { readonly type: 'send'; readonly message: AnnounceMessage | KickMessage }
  /** The pacer's target rate changed (bytes/s). */
  | { readonly type: 'rate'; readonly rateBytesPerSec: number }
  /** Slow policy `tiers`: move this receiver to a slower session. */
  | { readonly type: 'demote'; readonly receiverId: number }
  /** Slow policy `disconnect`: this receiver finishes by unicast fallback. */
  | { readonly type: 'fallback'; readonly receiverId: number }
  /** The receiver is no longer part of the session. */
  | { readonly type: 'drop'; readonly receiverId: number; readonly reason: 'silent' | 'left' | 'kicked' }
  | { readonly type: 'receiver-done'; readonly receiverId: number }
  /** Every registered receiver has every block: the session may end. */
  | { readonly type: 'finished' };

/** What nextData() hands the app: it reads the bytes (source from the image, parity via ReedSolomon). */
export interface DataPick {
  readonly block: number;
  readonly symbol: number;
  readonly k: number;
  /** True for repair (NACK-driven) symbols, false for the first pass of new data. */
  readonly repair: boolean;
}

export interface ReceiverInfo {
  readonly receiverId: number;
  state: ReceiverState;
  blocksDone: number;
  rateBytesPerSec: number;
  lossPpm: number;
  rttMs: number | undefined;
  /** When rttMs was last sampled (a probe echo). */
  rttAtMs: number | undefined;
  lastHeardMs: number;
  /** Whether a control packet of its own has arrived yet (until then firstReportTimeoutMs applies). */
  heard: boolean;
  nacks: number;
}

export interface SenderStats {
  readonly dataSymbols: number;
  readonly repairSymbols: number;
  readonly announces: number;
  readonly nacksReceived: number;
  readonly grttMs: number;
  readonly rateBytesPerSec: number;
  readonly pendingRepairBlocks: number;
  /** Repair symbols receivers asked for beyond their repair budget (refused, see repair-budget.ts). */
  readonly refusedRepairSymbols: number;
  /** Control packets dropped by the gate: another id's, unregistered ids', replayed ones. */
  readonly droppedControl: { readonly spoofed: number; readonly unknown: number; readonly replay: number };
  readonly peakStateEntries: number;
  readonly receivers: readonly Readonly<ReceiverInfo>[];
}
