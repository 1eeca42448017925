// The agent's live status: what the reporter prints and what goes to the DP every second. One
// object, so the terminal, the JSON lines and the dashboard never disagree.
import type { AgentProgress, AgentState } from '@castpoint/wire';
import type { ExitCode } from '../errors';
import type { AgentPhase, ProgressSnapshot, WaitInfo } from '../output/progress';
import type { Reporter } from '../output/reporter';
import type { ChunkStore } from './ports';

export interface ProgressPoster {
  /** Resolves false when the DP no longer knows this receiver. Rejections mean "not reachable". */
  progress(body: AgentProgress): Promise<boolean>;
}

export class AgentStatus {
  phase: AgentPhase = 'requesting';
  message: string | undefined;
  receiverId: number | undefined;
  sessionId: number | undefined;
  store: ChunkStore | undefined;
  repairedSymbols = 0;
  badPackets = 0;
  /** Chunks received whole that failed their hash and were thrown away (received again). */
  discardedChunks = 0;
  /** Set when a progress post was answered "unknown receiver" (the DP restarted and lost us). */
  dpForgotUs = false;
  /** Progress posts that did not reach the DP: a silence with failures in it is the DP's, not multicast's. */
  failedPosts = 0;
  private inFlight: Promise<void> | undefined;
  private lastPostMs = -Infinity;

  constructor(
    private readonly image: string,
    private readonly reporter: Reporter,
    private readonly dp: ProgressPoster,
    /** Period of progress posts to the DP, ms. @default 1000 */
    private readonly postPeriodMs = 1000,
  ) {}

  /** While waiting: until when and for how many clients (cleared by the next set). */
  wait: WaitInfo | undefined;
  /** The exit code of a failed run, for its last line. */
  exit: ExitCode | undefined;

  set(phase: AgentPhase, message?: string, wait?: WaitInfo): void {
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
    };
  }

  /** Called often by the deploy loop: feeds the reporter and posts progress once per period. */
  tick(nowMs: number): void {
    this.reporter.update(this.snapshot(), nowMs);
    this.reporter.tick(nowMs);
    if (nowMs - this.lastPostMs >= this.postPeriodMs) {
      this.lastPostMs = nowMs;
      void this.post(false);
    }
  }

  /**
   * Sends one progress report now and waits for it. Never throws. A periodic one is skipped while
   * another is on its way; the final one ("done", "failed") waits for that one and then goes, so
   * the DP hears how it ended, also when it ended before the target was opened (a refused disk).
   */
  async post(final = true): Promise<void> {
    if (this.receiverId === undefined) return;
    if (this.inFlight) {
      if (!final) return;
      await this.inFlight;
    }
    const sent = this.send();
    this.inFlight = sent;
    try {
      await sent;
    } finally {
      if (this.inFlight === sent) this.inFlight = undefined;
    }
  }

  private async send(): Promise<void> {
    if (this.receiverId === undefined) return;
    const snap = this.snapshot();
    const body: AgentProgress = {
      receiverId: this.receiverId,
      ...(this.sessionId === undefined ? {} : { sessionId: this.sessionId }),
      image: this.image,
      state: toAgentState(this.phase),
      chunksDone: snap.chunksDone,
      totalChunks: snap.totalChunks,
      bytesDone: snap.bytesDone,
      rateBps: this.reporter.rates().rateBps,
      repairedSymbols: snap.repairedSymbols,
      ...(snap.message === undefined ? {} : { message: snap.message }),
    };
    try {
      const known = await this.dp.progress(body);
      if (!known) this.dpForgotUs = true;
    } catch {
      // The DP may be restarting: the multicast loop notices silence and re-registers; nothing is lost.
      this.failedPosts++;
    }
  }
}

export function toAgentState(phase: AgentPhase): AgentState {
  switch (phase) {
    case 'requesting':
    case 'waiting':
    case 'reconnecting':
      return 'waiting';
    case 'receiving':
      return 'receiving';
    case 'repairing':
    case 'verifying':
      return 'repairing';
    case 'fallback':
      return 'fallback';
    case 'done':
      return 'done';
    case 'failed':
      return 'failed';
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
