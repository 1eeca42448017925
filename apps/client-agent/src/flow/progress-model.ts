// What the agent knows about its own progress: the one model the terminal, the JSON lines and the
// posts to the DP read, so they never disagree. Holds state only: no I/O, no timers.
import type { ExitCode } from '../errors';
import type { AgentPhase, ProgressSnapshot, WaitInfo } from '../output/progress';
import type { ChunkStore } from './ports';

export class ProgressModel {
  phase: AgentPhase = 'requesting';
  message: string | undefined;
  receiverId: number | undefined;
  sessionId: number | undefined;
  store: ChunkStore | undefined;
  repairedSymbols = 0;
  badPackets = 0;
  /** Chunks received whole that failed their hash and were thrown away (received again). */
  discardedChunks = 0;
  /** While waiting: until when and for how many clients (cleared by the next set). */
  wait: WaitInfo | undefined;
  /** The exit code of a failed run, for its last line. */
  exit: ExitCode | undefined;
  /** Some chunks came by unicast fallback (sticky: `run` reports the transport, even of a failed run). */
  unicast = false;

  set(phase: AgentPhase, message?: string, wait?: WaitInfo): void {
    if (phase === 'fallback') this.unicast = true;
    this.phase = phase;
    this.message = message;
    this.wait = wait;
  }

  snapshot(): ProgressSnapshot {
    const s = this.store;
    return {
      state: this.phase,
      bytesDone: s?.bytesDone() ?? 0,
      totalBytes: s?.manifest.size ?? 0,
      chunksDone: s?.chunksDone() ?? 0,
      totalChunks: s?.totalChunks ?? 0,
      repairedSymbols: this.repairedSymbols,
      badPackets: this.badPackets,
      ...(this.message === undefined ? {} : { message: this.message }),
      ...(this.wait === undefined ? {} : { wait: this.wait }),
      ...(this.sessionId === undefined ? {} : { sessionId: this.sessionId }),
      ...(this.exit === undefined ? {} : { exit: this.exit }),
      ...(this.unicast ? { unicast: true } : {}),
    };
  }
}

/** The DP's wait answer as the screen and JSON lines show it; a start time that does not parse is left out. */
export function waitInfo(reply: { reason?: string; startsAt?: string; clientsWaiting?: number; minClients?: number }, nextAskMs: number): WaitInfo {
  const startsAtMs = reply.startsAt === undefined ? NaN : Date.parse(reply.startsAt);
  return {
    ...(reply.reason ? { reason: reply.reason } : {}),
    ...(Number.isFinite(startsAtMs) ? { startsAtMs } : {}),
    ...(reply.clientsWaiting === undefined ? {} : { clientsWaiting: reply.clientsWaiting }),
    ...(reply.minClients === undefined ? {} : { minClients: reply.minClients }),
    nextAskMs,
  };
}
