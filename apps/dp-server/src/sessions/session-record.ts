// A new session's record, as the session manager stores it: where it sends, its key, its mode and
// rate (a slower tier halves the rate), and its schedule when it waits for a start.
import type { ImageRecord, SessionRecord } from '../state/types';

export interface NewSession {
  readonly id: number;
  readonly img: ImageRecord;
  readonly group: { readonly group: string; readonly port: number };
  /** The DP's multicast interface address: agents send their control packets there. */
  readonly senderAddress: string;
  /** Session key, base64. */
  readonly key: string;
  readonly tier: number;
  readonly maxRateBps: number;
  readonly nowMs: number;
  /** scheduleFor()'s fields for a scheduled session, {} otherwise. */
  readonly schedule: Partial<SessionRecord>;
}

export function newSessionRecord(n: NewSession): SessionRecord {
  const { img } = n;
  return {
    id: n.id,
    image: img.name,
    manifestHash: img.manifestHash,
    group: n.group.group,
    port: n.group.port,
    senderAddress: n.senderAddress,
    senderPort: n.group.port,
    key: n.key,
    encrypted: img.settings.encrypt,
    mode: img.settings.mode,
    tier: n.tier,
    // Each slower tier sends at half the rate of the one above.
    rateBps: Math.max(1000, Math.floor(n.maxRateBps / 2 ** n.tier)),
    state: img.settings.mode === 'scheduled' ? 'waiting' : 'running',
    createdAt: new Date(n.nowMs).toISOString(),
    ...n.schedule,
    receivers: [],
    waiting: [],
    bytesSent: 0,
    packetsSent: 0,
  };
}
