// When each agent waiting for one scheduled session last asked. An agent that stopped asking (it
// was switched off, its operator gave up, a one-off request) must not count toward --min-clients:
// the session would start for clients that are not there, and wait for their join.

/** Agents ask again within 0.25-5 s (or are held by the long poll): this long silent, they are gone. */
export const WAITER_TTL_MS = 15_000;

export class WaiterRoll {
  private readonly lastAsked = new Map<string, number>();

  /** The agent `waiter` asked (or its held request ended) at `nowMs`. */
  seen(waiter: string, nowMs: number): void {
    this.lastAsked.set(waiter, nowMs);
  }

  /**
   * The waiters of `waiting` not heard of for longer than `ttlMs`. One never seen by this process
   * (listed in the state a restarted DP loaded) counts as seen now.
   */
  expired(waiting: readonly string[], nowMs: number, ttlMs: number): string[] {
    const gone: string[] = [];
    for (const w of waiting) {
      const at = this.lastAsked.get(w);
      if (at === undefined) this.seen(w, nowMs);
      else if (nowMs - at > ttlMs) gone.push(w);
    }
    return gone;
  }

  /** The session started or ended: its roll is no longer needed. */
  clear(): void {
    this.lastAsked.clear();
  }
}
