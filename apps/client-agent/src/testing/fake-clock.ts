import type { Clock } from '../dp/patience';

/** A clock whose sleep advances time at once: tests of waiting logic never wait. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}
