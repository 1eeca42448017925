// Holding new data for the agents a scheduled start expects (moved here from the DP's runner so
// that the seeded simulator exercises it). Most of those agents register only when they ask again:
// data sent before they listen would be missed whole and cost a second pass of those blocks.

export class JoinerHold {
  private hold: { count: number; untilMs: number } | undefined;

  /** Holds until `count` registered receivers have been heard, or until `untilMs`. */
  set(count: number, untilMs: number): void {
    this.hold = { count, untilMs };
  }

  /** True while new data waits; the hold ends for good once it is met or has timed out. */
  holding(heard: number, nowMs: number): boolean {
    if (!this.hold) return false;
    if (heard >= this.hold.count || nowMs >= this.hold.untilMs) this.hold = undefined;
    return this.hold !== undefined;
  }
}
