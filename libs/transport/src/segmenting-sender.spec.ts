import type { PeerAddress } from './endpoint';
import { planBatches, SegmentingSender, type SegmentIo } from './segmenting-sender';

const A: PeerAddress = { address: '239.1.2.3', port: 9000 };
const B: PeerAddress = { address: '10.0.0.2', port: 9001 };
const d = (len: number, to: PeerAddress = A, fill = 0) => ({ bytes: new Uint8Array(len).fill(fill), to });

describe('planBatches', () => {
  it('puts a run of equal datagrams to one destination into one send, a shorter one only last', () => {
    const q = [d(1450), d(1450), d(1450), d(700), d(1450), d(1450)];
    expect(planBatches(q)).toEqual([
      { start: 0, end: 4, segmentSize: 1450 },
      { start: 4, end: 6, segmentSize: 1450 },
    ]);
  });

  it('breaks runs at a new destination, a longer datagram, the segment count and the byte limit', () => {
    expect(planBatches([d(100), d(100, B), d(100, B), d(200, B)])).toEqual([
      { start: 0, end: 1, segmentSize: 0 },
      { start: 1, end: 3, segmentSize: 100 },
      { start: 3, end: 4, segmentSize: 0 },
    ]);
    const many = Array.from({ length: 40 }, () => d(1450));
    expect(planBatches(many).map((b) => b.end - b.start)).toEqual([16, 16, 8]);
    // Jumbo symbols on a 9000-byte MTU: 7 x 8,950 bytes fit under 65,000, an 8th does not.
    const jumbo = { maxSegments: 16, maxBytes: 65_000, maxSegmentSize: 8972 };
    expect(planBatches(Array.from({ length: 10 }, () => d(8950)), jumbo).map((b) => b.end - b.start)).toEqual([7, 3]);
    // ... and each alone on a 1500-byte MTU, where the kernel would refuse that segment size.
    expect(planBatches([d(8950), d(8950)])).toEqual([{ start: 0, end: 1, segmentSize: 0 }, { start: 1, end: 2, segmentSize: 0 }]);
    expect(planBatches(many, { ...jumbo, maxSegments: 4 })).toHaveLength(10);
  });
});

/** A socket that records what it is asked and completes sends when told. */
class FakeSocket implements SegmentIo {
  segment = 0;
  readonly sends: Array<{ sizes: number[]; to: PeerAddress; segment: number }> = [];
  readonly sets: number[] = [];
  private readonly completions: Array<() => void> = [];
  private deferred: Array<() => void> = [];
  failSet: number | undefined;
  failSegmentedWith: string | undefined;

  setSegmentSize(size: number): void {
    if (size === this.failSet) throw new Error('errno 92');
    this.sets.push(size);
    this.segment = size;
  }
  send(bufs: readonly Uint8Array[], to: PeerAddress, cb: (err?: Error | null) => void): void {
    const total = bufs.reduce((a, b) => a + b.length, 0);
    // What the kernel does: cut a send longer than the segment size; refuse it if told to.
    if (this.failSegmentedWith && this.segment > 0 && total > this.segment) {
      const code = this.failSegmentedWith;
      this.completions.push(() => cb(Object.assign(new Error(code), { code })));
      return;
    }
    this.sends.push({ sizes: bufs.map((b) => b.length), to, segment: this.segment });
    this.completions.push(() => cb(null));
  }
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  /** Ends the turn: the sender flushes. */
  tick(): void {
    const fns = this.deferred;
    this.deferred = [];
    for (const f of fns) f();
  }
  completeAll(): void {
    while (this.completions.length > 0) this.completions.shift()?.();
  }
  /** Datagrams as the receivers would see them. */
  wire(): number[] {
    return this.sends.flatMap((s) => {
      const total = s.sizes.reduce((a, b) => a + b, 0);
      if (s.segment === 0 || total <= s.segment) return [total];
      const out: number[] = [];
      for (let left = total; left > 0; left -= s.segment) out.push(Math.min(left, s.segment));
      return out;
    });
  }
}

describe('SegmentingSender', () => {
  it('sends one turn\'s datagrams as segmented sends and completes each datagram\'s callback', () => {
    const io = new FakeSocket();
    const s = new SegmentingSender(io);
    const done: Array<Error | undefined> = [];
    for (let i = 0; i < 20; i++) s.send(d(1450).bytes, A, (err) => done.push(err));
    expect(io.sends).toHaveLength(0); // nothing before the turn ends
    io.tick();
    expect(io.sends.map((x) => x.sizes.length)).toEqual([16, 4]);
    expect(io.sets).toEqual([1450]);
    io.completeAll();
    expect(done).toEqual(Array(20).fill(undefined));
    expect(io.wire()).toEqual(Array(20).fill(1450));
    expect(s.stats).toEqual({ segmentedSends: 2, segmentedDatagrams: 20 });
  });

  it('never changes the option while a send is pending: a longer lone datagram waits, in order', () => {
    const io = new FakeSocket();
    const s = new SegmentingSender(io);
    const order: number[] = [];
    const push = (len: number) => s.send(d(len).bytes, A, () => order.push(len));
    push(1450);
    push(1450);
    push(3000); // a lone datagram longer than the segment size: the option must go to 0 first
    push(100);
    io.tick();
    expect(io.sends).toHaveLength(1); // the 3000-byte one waits for the pending send
    io.completeAll();
    expect(io.sends.map((x) => [x.sizes, x.segment])).toEqual([
      [[1450, 1450], 1450],
      [[3000], 0],
      [[100], 0],
    ]);
    io.completeAll();
    expect(order).toEqual([1450, 1450, 3000, 100]);
    // Every datagram arrives whole: none was cut, none merged.
    expect(io.wire()).toEqual([1450, 1450, 3000, 100]);
  });

  it('turns itself off when the kernel refuses a segmented send, and sends that batch again one by one', () => {
    const io = new FakeSocket();
    io.failSegmentedWith = 'EIO'; // e.g. a device without checksum offload
    const s = new SegmentingSender(io);
    const done: Array<Error | undefined> = [];
    for (let i = 0; i < 3; i++) s.send(d(1450, A, i).bytes, A, (err) => done.push(err));
    io.tick();
    io.completeAll();
    io.completeAll();
    expect(s.disabled).toMatch(/EIO/);
    expect(done).toEqual([undefined, undefined, undefined]);
    expect(io.wire()).toEqual([1450, 1450, 1450]);
    expect(s.stats).toEqual({ segmentedSends: 0, segmentedDatagrams: 0 });
  });

  it('falls back to one send per datagram when the option cannot be set, and passes other errors on', () => {
    const io = new FakeSocket();
    io.failSet = 1450;
    const s = new SegmentingSender(io);
    let n = 0;
    for (let i = 0; i < 3; i++) s.send(d(1450).bytes, A, () => n++);
    io.tick();
    expect(s.disabled).toMatch(/errno 92/);
    expect(io.sends.map((x) => x.sizes)).toEqual([[1450], [1450], [1450]]);
    io.completeAll();
    expect(n).toBe(3);
  });

  it('plans a turn\'s burst in linear time: about one length read per datagram, not one per datagram still queued per batch', () => {
    // A datagram whose length reads are counted: planning the whole queue again for every batch
    // read each of 320 datagrams ~10 times (a Batch object each time); only the next batch, once.
    let reads = 0;
    class CountedBytes extends Uint8Array {
      override get length(): number {
        reads++;
        return super.length;
      }
    }
    const io = new FakeSocket();
    const sender = new SegmentingSender(io);
    const n = 320;
    let done = 0;
    for (let i = 0; i < n; i++) sender.send(new CountedBytes(1450), A, () => done++);
    reads = 0;
    io.tick();
    expect(io.sends).toHaveLength(n / 16);
    // The fake socket itself reads each length twice (its sum and its record).
    expect(reads - 2 * n).toBeLessThanOrEqual(n + 2 * (n / 16));
    io.completeAll();
    expect(done).toBe(n);
  });
});
