// Posts the agent's progress to the DP (its dashboard, and its way of noticing a lost agent): once
// a period while running, and a final one that is never dropped. Reads the progress model; holds
// only what the posting itself learns (the DP forgot us, posts that did not arrive).
import type { AgentProgress, AgentState } from '@castpoint/wire';
import type { AgentPhase } from '../output/progress';
import type { ProgressModel } from './progress-model';

export interface ProgressPoster {
  /** Resolves false when the DP no longer knows this receiver. Rejections mean "not reachable". */
  progress(body: AgentProgress): Promise<boolean>;
}

export class ProgressPosts {
  /** Set when a progress post was answered "unknown receiver" (the DP restarted and lost us). */
  dpForgotUs = false;
  /** Progress posts that did not reach the DP: a silence with failures in it is the DP's, not multicast's. */
  failedPosts = 0;
  private inFlight: Promise<void> | undefined;
  private lastPostMs = -Infinity;

  constructor(
    private readonly image: string,
    private readonly model: ProgressModel,
    /** The receive rate the DP's dashboard shows, bytes/s (posted as AgentProgress.rateBps). */
    private readonly bytesPerSec: () => number,
    private readonly dp: ProgressPoster,
    /** Period of progress posts to the DP, ms. @default 1000 */
    private readonly postPeriodMs = 1000,
  ) {}

  /** Starts a periodic post when a period has passed since the last one; does not wait for it. */
  tick(nowMs: number): void {
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
    if (this.model.receiverId === undefined) return;
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
    const m = this.model;
    if (m.receiverId === undefined) return;
    const snap = m.snapshot();
    const body: AgentProgress = {
      receiverId: m.receiverId,
      ...(m.sessionId === undefined ? {} : { sessionId: m.sessionId }),
      image: this.image,
      state: toAgentState(m.phase),
      chunksDone: snap.chunksDone,
      totalChunks: snap.totalChunks,
      bytesDone: snap.bytesDone,
      rateBps: this.bytesPerSec(),
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
