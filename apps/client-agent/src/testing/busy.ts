// Counts real work in flight (HTTP exchanges, disk reads and writes) so that the virtual clock
// stands still while it runs: how much protocol time passes then no longer depends on how fast
// this machine is, which is what keeps a seeded run's outcome the same on a busy box.
export class Busy {
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Returns `p` itself; counted until it settles. */
  track<T>(p: Promise<T>): Promise<T> {
    this.n++;
    return p.finally(() => this.n--);
  }

  /** The same function, every call counted. */
  wrap<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
    return (...args) => this.track(fn(...args));
  }
}
