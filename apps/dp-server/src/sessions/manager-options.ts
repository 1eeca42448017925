// What the session manager is built with: the store and catalog it works on, the runner factory,
// the clock, the group and port ranges, the limits, and the DP's signing key.
import type { Clock } from '@castpoint/transport';
import type { DpSigningKey } from '@castpoint/wire';
import type { Cidr, PortRange } from '../config/parse';
import type { StartRate } from '../config/settings';
import type { ImageCatalog } from '../images/catalog';
import type { StateStore } from '../state/store';
import type { SessionRunnerFactory } from './runner';
import type { SymbolSizeSetting } from './symbol-size';

export interface SessionManagerOptions {
  readonly store: StateStore;
  readonly catalog: ImageCatalog;
  readonly runnerFactory: SessionRunnerFactory;
  /** Wall clock, ms since the epoch (session and client times, schedules). */
  readonly now: () => number;
  readonly groupRange: Cidr;
  readonly portRange: PortRange;
  readonly mcastInterface: string;
  readonly maxRateBps: number;
  /**
   * Where a tier-0 session's rate starts: at maxRateBps ('cap') or probing up from an eighth of
   * it ('probe'); slower tiers always probe (ServeSettings.startRate). @default 'probe'
   */
  readonly startRate?: StartRate;
  readonly maxClients: number;
  readonly ttl: number;
  /**
   * Bytes of image data per packet: `auto` picks per session the largest the MTUs of `linkMtu` and
   * of the session's agents allow (sessions/symbol-size.ts), a number is used for every session.
   * @default 'auto'
   */
  readonly symbolSize?: SymbolSizeSetting;
  /** MTU of the multicast interface (serve reads it from the interface). @default 1500 */
  readonly linkMtu?: number;
  /** Source symbols per block. @default 64 */
  readonly blockSymbols?: number;
  /** 32-byte session keys. @default crypto.randomBytes(32) */
  readonly createKey?: () => Uint8Array;
  /**
   * The DP's Ed25519 key: runners sign announces and kicks with it, join replies carry its public
   * half. @default a new key pair (tests; the app loads the data dir's, which survives restarts)
   */
  readonly signingKey?: DpSigningKey;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /**
   * An agent asking for a scheduled session that still waits gets its answer when the session
   * starts (then `join`), or after this long (then `wait`, and it asks again 250 ms later): every
   * waiting agent joins at the start instead of on its next poll. 0 answers at once. @default 0
   */
  readonly longPollMs?: number;
  /** Timers of held requests (longPollMs); tests pass a VirtualClock. @default realClock() */
  readonly clock?: Pick<Clock, 'schedule'>;
}
