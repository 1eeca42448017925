// What the agent knows about its progress at one instant, and the rate/ETA arithmetic over a
// sliding window of samples (a whole-run average would hide a stall; one interval is too jumpy).
import type { ExitCode } from '../errors';

/** Phases shown to the technician and in JSON lines. */
export type AgentPhase =
  | 'requesting'
  | 'waiting'
  | 'receiving'
  | 'repairing'
  | 'fallback'
  | 'reconnecting'
  | 'verifying'
  | 'done'
  | 'failed';

export interface ProgressSnapshot {
  readonly state: AgentPhase;
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly chunksDone: number;
  readonly totalChunks: number;
  /** Symbols rebuilt by FEC or received as repairs. */
  readonly repairedSymbols: number;
  /** Packets dropped because they failed decoding or authentication. */
  readonly badPackets: number;
  /** Short human note (why waiting, which fallback reason). */
  readonly message?: string;
  /** While waiting: until when and for how many clients, as the DP's answer says. */
  readonly wait?: WaitInfo;
  /** The multicast session joined, once there is one. */
  readonly sessionId?: number;
  /** How a failed run ends (state `failed`). */
  readonly exit?: ExitCode;
  /** Some chunks came by unicast fallback during this run. */
  readonly unicast?: boolean;
}

/** What the waiting line says: until when and how many clients, as the DP's answer carries them. */
export interface WaitInfo {
  readonly reason?: string;
  /** When the scheduled session starts, ms since the epoch. */
  readonly startsAtMs?: number;
  readonly clientsWaiting?: number;
  readonly minClients?: number;
  /** When the agent asks the DP again, ms since the epoch. */
  readonly nextAskMs?: number;
}

export interface Rates {
  /** Goodput over the window. Shown to users as the JSON field `rateBps` (see format.ts). */
  readonly bytesPerSec: number;
  /** Seconds left at that rate; null when unknown (no progress yet). */
  readonly etaSeconds: number | null;
  /** 0..100 with one decimal. */
  readonly percent: number;
}

/** Sliding-window goodput meter. Fed with (time, bytesDone); time comes from the caller's clock. */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];

  /** @param windowMs span of samples the rate is computed over. @default 5000 */
  constructor(private readonly windowMs = 5000) {}

  sample(nowMs: number, bytesDone: number): void {
    this.samples.push({ t: nowMs, bytes: bytesDone });
    // Keep one sample older than the window so the rate spans the whole window.
    while (this.samples.length > 2 && (this.samples[1]?.t ?? nowMs) <= nowMs - this.windowMs) this.samples.shift();
  }

  rates(totalBytes: number): Rates {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const done = last?.bytes ?? 0;
    // Before the manifest is known the total is 0: show 0%, not a misleading 100%.
    const percent = totalBytes <= 0 ? 0 : Math.floor((done / totalBytes) * 1000) / 10;
    if (!first || !last || last.t <= first.t) return { bytesPerSec: 0, etaSeconds: null, percent };
    const bytesPerSec = Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.t - first.t));
    // Before the manifest is known there is nothing to time: unknown, not "done in 0 s".
    if (totalBytes <= 0) return { bytesPerSec: Math.round(bytesPerSec), etaSeconds: null, percent };
    const left = Math.max(0, totalBytes - done);
    const etaSeconds = left === 0 ? 0 : bytesPerSec > 0 ? Math.ceil(left / bytesPerSec) : null;
    return { bytesPerSec: Math.round(bytesPerSec), etaSeconds, percent };
  }
}
