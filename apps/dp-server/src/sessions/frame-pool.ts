// Buffers for a session's data packets, taken to frame a packet and given back once the socket
// is done with it (its send callback), so that the send path does not allocate one per datagram
// (issue 29, item 2: the DP's profile had 7.5% in the garbage collector). A packet over 4 KiB
// (a jumbo symbol's) would otherwise get an ArrayBuffer of its own every time, Buffer's shared
// 8 KiB pool being only for smaller ones. The pool holds at most `keep` idle frames: the sends in
// flight and the pacing burst queued behind them, a few hundred at most.
export class FramePool {
  private readonly free: Uint8Array[] = [];
  private made = 0;

  /** `frameSize`: the largest packet framed here (header + symbol + tag). */
  constructor(
    readonly frameSize: number,
    private readonly keep = 1024,
  ) {
    if (!Number.isInteger(frameSize) || frameSize < 1) throw new RangeError(`frameSize must be a positive integer, got ${frameSize}`);
  }

  /** A frame to write a packet into: an idle one, or a new one. Its bytes are whatever was there. */
  take(): Uint8Array {
    const f = this.free.pop();
    if (f) return f;
    this.made++;
    // Its own memory: a slice of Buffer's shared pool would keep that pool's other users alive.
    return Buffer.allocUnsafeSlow(this.frameSize);
  }

  /** Gives back a frame taken here, once nothing reads it any more (the send completed or failed). */
  give(frame: Uint8Array): void {
    if (frame.length === this.frameSize && this.free.length < this.keep) this.free.push(frame);
  }

  /** Frames made since the start: with recycling, about the sends in flight, not the packets sent. */
  get allocated(): number {
    return this.made;
  }
}
