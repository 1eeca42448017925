// Agents' requests held open until their scheduled session starts (long poll), so every agent
// that waited gets `join` at the start instead of on its next poll.

export class StartWaiters {
  private readonly bySession = new Map<number, Set<() => void>>();

  /** Resolves when `release(id)` is called, or after `ms`. */
  wait(id: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.bySession.get(id);
      if (!set) {
        set = new Set();
        this.bySession.set(id, set);
      }
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.bySession.get(id) === waiters) this.bySession.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  /** Answers every request held for session `id` (it started or ended). */
  release(id: number): void {
    for (const done of [...(this.bySession.get(id) ?? [])]) done();
    this.bySession.delete(id);
  }

  /** Answers every held request (DP shutdown). */
  releaseAll(): void {
    for (const id of [...this.bySession.keys()]) this.release(id);
  }
}
