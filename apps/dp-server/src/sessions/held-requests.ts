// One waiting session's held agent requests (the long poll): each is answered when the session
// starts or ends (releaseAll), or when its hold runs out, so every agent that waited gets `join` at
// the start instead of on its next poll. "Held" is the HTTP request parked here; the agents a
// scheduled session waits for are its "waiters" (waiter-roll.ts).
import type { Clock } from '@castpoint/transport';

export class HeldRequests {
  private readonly open = new Set<() => void>();

  constructor(private readonly clock: Pick<Clock, 'schedule'>) {}

  /** Resolves at releaseAll(), or after `ms` on the clock. */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Set once scheduled: a clock that ran the timer at once would find the no-op.
      const timer = { cancel: (): void => undefined };
      const answer = (): void => {
        timer.cancel();
        this.open.delete(answer);
        resolve();
      };
      this.open.add(answer);
      timer.cancel = this.clock.schedule(answer, ms);
    });
  }

  /** Requests held now. */
  get size(): number {
    return this.open.size;
  }

  /** Answers every held request (the session started or ended, or the DP stops). */
  releaseAll(): void {
    for (const answer of [...this.open]) answer();
  }
}
