// The receiver engine's options, events, actions and stats: the contract the agent codes against.
import type { ControlMessage, Packet, ReceiverState } from '@castpoint/wire';
import type { Rng } from '../rng';
import type { ReedSolomon } from '../rs/reed-solomon';
import type { BufferPool } from './buffer-pool';
import type { BlockLayout } from './layout';

export interface ReceiverOptions {
  readonly receiverId: number;
  readonly layout: BlockLayout;
  readonly symbolSize: number;
  /** Seeded randomness for the NACK backoff. */
  readonly rng: Rng;
  /**
   * The codec to rebuild blocks with; share one between many engines in one process (the
   * simulator does: each codec holds a WebAssembly instance). @default new ReedSolomon(symbolSize)
   */
  readonly codec?: ReedSolomon;
  /**
   * Where block buffers come from. A delivered block's `data` then belongs to the app, which may
   * give it back to the same pool once done with it. @default fresh buffers
   */
  readonly pool?: Pick<BufferPool, 'take'>;
  /**
   * Where block `block`'s `size` bytes are received, when the app has a place for them (the
   * agent: the block's span in the buffer of the chunk it is assembling, so no block is copied
   * again); undefined: a buffer from `pool`. The engine writes there until it delivers the block
   * or is told the block is stored, and asks at most once per block for each time it receives it.
   * @default none
   */
  readonly placeBlock?: (block: number, size: number) => Uint8Array | undefined;
  /** Blocks already held (resume after a reboot). @default [] */
  readonly held?: Iterable<number>;
  /** Status report period (also the liveness signal the sender's silence timeout watches). @default 1000 */
  readonly statusIntervalMs?: number;
  /** No data for this long while incomplete -> an `inactive` action (the app may fall back). @default 10000 */
  readonly inactivityMs?: number;
  /** Group-size estimate for the NACK backoff distribution (NORM's default). @default 10000 */
  readonly groupSizeEstimate?: number;
  /** Most NACK entries (and ranges) in one packet. @default 128 */
  readonly maxNackEntries?: number;
  /** The sender's interleaving depth (must match SenderOptions.interleave). @default 32 (DEFAULT_INTERLEAVE) */
  readonly interleave?: number;
  /** The sender's parity budget (must match SenderOptions.maxParityPerBlock). @default 191 */
  readonly maxParityPerBlock?: number;
}

export type ReceiverEvent =
  | { readonly type: 'packet'; readonly packet: Packet }
  /** App: these blocks failed verification (or were lost on disk): get them again. */
  | { readonly type: 'rerequest'; readonly blocks: readonly number[] }
  /** App: these blocks are already stored (for example fetched by unicast): stop asking. */
  | { readonly type: 'stored'; readonly blocks: readonly number[] };

export type ReceiverAction =
  /** Unicast this message to the sender (the app encodes it with the envelope). */
  | { readonly type: 'send'; readonly message: ControlMessage }
  /** A block is complete: k * symbolSize bytes (the app trims the chunk's last block). */
  | { readonly type: 'block'; readonly block: number; readonly data: Uint8Array }
  | { readonly type: 'state'; readonly state: ReceiverState }
  /** The sender says the session is over; complete says whether we hold every block. */
  | { readonly type: 'finished'; readonly complete: boolean }
  /** The sender told us to leave (slow policy, tiers, failure). */
  | { readonly type: 'kicked'; readonly reason: 'policy' | 'fallback' | 'fail' | 'tier'; readonly detail: string }
  /** No data for inactivityMs while incomplete. */
  | { readonly type: 'inactive'; readonly sinceMs: number };

export interface ReceiverStats {
  readonly blocksDone: number;
  readonly packets: number;
  readonly duplicates: number;
  readonly decoded: number;
  readonly nacksSent: number;
  readonly nacksSuppressed: number;
  readonly grttMs: number;
  readonly state: ReceiverState;
  readonly bufferedBlocks: number;
}
