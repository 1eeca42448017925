import { createSocket } from 'node:dgram';
import { BatchedReader, socketReadHandle } from './batched-reader';
import type { DatagramBatchSource } from './recvmmsg';

/** A socket queue for the reader: read() takes the next datagram or throws as fs.readSync does. */
function fakeQueue(): { queue: (Buffer | Error)[]; reads: number; read: (fd: number, into: Buffer) => number } {
  const q = {
    queue: [] as (Buffer | Error)[],
    reads: 0,
    read(_fd: number, into: Buffer): number {
      q.reads++;
      const next = q.queue.shift();
      if (next === undefined) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), { code: 'EAGAIN' });
      if (next instanceof Error) throw next;
      next.copy(into);
      return next.length;
    },
  };
  return q;
}

const errno = (code: string): Error => Object.assign(new Error(`${code}: read failed`), { code });

describe('BatchedReader', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers queued datagrams as copies of their own size (a longer one read earlier stays intact), then pauses on EAGAIN and reads again', () => {
    const q = fakeQueue();
    const got: Buffer[] = [];
    const r = new BatchedReader(7, (b) => got.push(b), () => undefined, { read: q.read });
    q.queue.push(Buffer.from('one'), Buffer.alloc(0), Buffer.from('three'));
    r.start();
    jest.advanceTimersByTime(0);
    expect(got.map((b) => b.toString())).toEqual(['one', '', 'three']);
    expect(r.stats()).toEqual({ datagrams: 3, emptyReads: 1, calls: 4 });
    q.queue.push(Buffer.from('four'));
    jest.advanceTimersByTime(1);
    expect(got.map((b) => b.toString())).toEqual(['one', '', 'three', 'four']);
  });

  it('lends each datagram as a view of its one buffer when asked: whole during the call, overwritten by the next read', () => {
    const q = fakeQueue();
    const during: string[] = [];
    const views: Buffer[] = [];
    const r = new BatchedReader(7, (b) => (during.push(b.toString()), views.push(b)), () => undefined, { read: q.read, lend: true });
    q.queue.push(Buffer.from('first datagram'), Buffer.from('xy'));
    r.start();
    jest.advanceTimersByTime(0);
    expect(during).toEqual(['first datagram', 'xy']);
    expect(views.map((v) => v.length)).toEqual([14, 2]);
    // Both are views of the same memory: the second read wrote over the first one's start.
    expect(views[0]?.buffer).toBe(views[1]?.buffer);
    expect(views[0]?.toString()).toBe('xyrst datagram');
  });

  it('reads at most one budget per turn, letting other callbacks run in between', () => {
    const q = fakeQueue();
    let delivered = 0;
    const r = new BatchedReader(7, () => delivered++, () => undefined, { read: q.read, budget: 4 });
    for (let i = 0; i < 10; i++) q.queue.push(Buffer.from([i]));
    const order: string[] = [];
    r.start();
    setImmediate(() => order.push(`other callback after ${delivered}`));
    for (let i = 0; i < 4; i++) jest.advanceTimersToNextTimer();
    expect(delivered).toBe(10);
    expect(order).toEqual(['other callback after 4']);
  });

  it('retries after EINTR, and stops and reports any other error once', () => {
    const q = fakeQueue();
    const got: string[] = [];
    const failures: Error[] = [];
    const r = new BatchedReader(7, (b) => got.push(b.toString()), (e) => failures.push(e), { read: q.read });
    q.queue.push(Buffer.from('a'), errno('EINTR'), Buffer.from('b'), errno('EBADF'), Buffer.from('never'));
    r.start();
    jest.advanceTimersByTime(100);
    expect(got).toEqual(['a', 'b']);
    expect(failures.map((e) => (e as Error & { code: string }).code)).toEqual(['EBADF']);
    expect(q.queue.map((x) => x.toString())).toEqual(['never']);
  });

  it('does not read again once stopped, even with a pause pending', () => {
    const q = fakeQueue();
    const r = new BatchedReader(7, () => undefined, () => undefined, { read: q.read });
    r.start();
    jest.advanceTimersByTime(0);
    const reads = q.reads;
    r.stop();
    q.queue.push(Buffer.from('late'));
    jest.advanceTimersByTime(1000);
    expect(q.reads).toBe(reads);
  });

  it('polls less often once the socket has been empty for a while', () => {
    const q = fakeQueue();
    const r = new BatchedReader(7, () => undefined, () => undefined, { read: q.read });
    r.start();
    jest.advanceTimersByTime(200);
    const busy = q.reads;
    jest.advanceTimersByTime(1000);
    expect(busy).toBeGreaterThan(150);
    expect(q.reads - busy).toBeLessThanOrEqual(220);
    expect(q.reads - busy).toBeGreaterThan(100);
    r.stop();
  });
});

/** A batch source over a queue of batches (an Error entry is thrown by that read). */
function fakeBatches(maxBatch: number): { batches: (string[] | Error)[]; calls: number; source: DatagramBatchSource } {
  let last: Buffer[] = [];
  const q = {
    batches: [] as (string[] | Error)[],
    calls: 0,
    source: {
      maxBatch,
      read(): number {
        q.calls++;
        const next = q.batches.shift();
        if (next === undefined) return 0;
        if (next instanceof Error) throw next;
        last = next.map((w) => Buffer.from(w));
        return last.length;
      },
      datagram: (i: number): Buffer => last[i] as Buffer,
    },
  };
  return q;
}

describe('BatchedReader over a batch source (recvmmsg)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers every datagram of each batch in order, as copies that outlive the next batch', () => {
    const q = fakeBatches(4);
    const got: Buffer[] = [];
    const r = new BatchedReader(7, (b) => got.push(b), () => undefined, { batchSource: q.source });
    q.batches.push(['a', 'b', 'c', 'd'], ['e', 'f', 'g', 'h'], ['i']);
    r.start();
    jest.advanceTimersByTime(0);
    expect(got.map(String)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    // Three calls: the short third batch emptied the socket, so no fourth call was made to learn it.
    expect(r.stats()).toEqual({ datagrams: 9, emptyReads: 1, calls: 3 });
  });

  it('counts its budget in datagrams, not calls, before letting other callbacks run', () => {
    const q = fakeBatches(4);
    let delivered = 0;
    const r = new BatchedReader(7, () => delivered++, () => undefined, { batchSource: q.source, budget: 8 });
    for (let i = 0; i < 5; i++) q.batches.push(['1', '2', '3', '4']);
    const order: string[] = [];
    r.start();
    setImmediate(() => order.push(`other callback after ${delivered}`));
    for (let i = 0; i < 4; i++) jest.advanceTimersToNextTimer();
    expect(delivered).toBe(20);
    expect(order).toEqual(['other callback after 8']);
  });

  it('stops delivering the rest of a batch once a listener stopped it', () => {
    const q = fakeBatches(4);
    const got: string[] = [];
    const r: BatchedReader = new BatchedReader(
      7,
      (b) => {
        got.push(b.toString());
        if (got.length === 2) r.stop();
      },
      () => undefined,
      { batchSource: q.source },
    );
    q.batches.push(['a', 'b', 'c', 'd']);
    r.start();
    jest.advanceTimersByTime(10);
    expect(got).toEqual(['a', 'b']);
    expect(q.calls).toBe(1);
  });

  it('falls back to one read(2) per datagram for good when the batch call answers ENOSYS, losing nothing', () => {
    const q = fakeBatches(4);
    const single = fakeQueue();
    const got: string[] = [];
    const failures: Error[] = [];
    const r = new BatchedReader(7, (b) => got.push(b.toString()), (e) => failures.push(e), { batchSource: q.source, read: single.read });
    q.batches.push(errno('ENOSYS'), ['never read']);
    single.queue.push(Buffer.from('x'), Buffer.from('y'));
    r.start();
    jest.advanceTimersByTime(5);
    expect(got).toEqual(['x', 'y']);
    expect(failures).toEqual([]);
    expect(q.calls).toBe(1);
    expect(r.stats().fallback).toMatch(/ENOSYS/);
  });
});

describe('socketReadHandle', () => {
  it('finds the descriptor of a bound socket on Linux and nothing elsewhere', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    try {
      const h = socketReadHandle(sock, 'linux');
      if (process.platform === 'linux') expect(h?.fd).toBeGreaterThan(2);
      expect(socketReadHandle(sock, 'win32')).toBeUndefined();
    } finally {
      sock.close();
    }
  });
});
