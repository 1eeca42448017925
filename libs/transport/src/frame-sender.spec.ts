import { createSocket } from 'node:dgram';
import { constants } from 'node:os';
import { loadNativeAddon, nativeUdpSend } from '@castpoint/wire';
import type { PeerAddress, SendCallback } from './endpoint';
import { CallbackFrameSender, SlabFrameSender, type SegmentSendIo } from './frame-sender';
import { MemoryNetwork } from './memory-network';
import { openUdpSocket } from './udp-socket';

const { EAGAIN, EIO, ENETUNREACH } = constants.errno;
const TO: PeerAddress = { address: '239.1.2.3', port: 5000 };

interface SentCall {
  readonly bytes: Buffer;
  readonly segmentSize: number;
}

/** A scripted socket: `answers` are taken in order for each send (default: all taken), `turn()` ends a turn. */
function fakeIo(answers: number[] = []) {
  const calls: SentCall[] = [];
  let deferred: (() => void)[] = [];
  let timers: (() => void)[] = [];
  const counted = { datagrams: 0, bytes: 0 };
  const io: SegmentSendIo = {
    sendSegments(buf, start, length, segmentSize) {
      const answer = answers.shift();
      if (answer !== undefined && answer < 0) return answer;
      calls.push({ bytes: Buffer.from(buf.subarray(start, start + length)), segmentSize });
      return length;
    },
    defer: (fn) => deferred.push(fn),
    later: (fn) => timers.push(fn),
    sent: (d, b) => {
      counted.datagrams += d;
      counted.bytes += b;
    },
  };
  return {
    io,
    calls,
    counted,
    turn(): void {
      const fns = deferred;
      deferred = [];
      for (const fn of fns) fn();
    },
    fireTimers(): number {
      const fns = timers;
      timers = [];
      for (const fn of fns) fn();
      return fns.length;
    },
  };
}

/** Writes a datagram of `length` bytes, each byte `fill`, into the sender's next frame and commits it. */
function put(sender: { frame(): Uint8Array; commit(n: number, done: SendCallback): void }, length: number, fill: number, log: string[], name = String(fill)): void {
  sender.frame().fill(fill, 0, length);
  sender.commit(length, (err) => log.push(err ? `${name}:${(err as { code?: string }).code}` : name));
}

describe('SlabFrameSender', () => {
  it('sends the frames of one turn as one segmented send, then runs their callbacks in order', () => {
    const f = fakeIo();
    const s = new SlabFrameSender(100, f.io, TO);
    const log: string[] = [];
    for (let i = 1; i <= 5; i++) put(s, 100, i, log);
    expect(f.calls).toEqual([]);
    expect(log).toEqual([]);
    f.turn();
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]?.segmentSize).toBe(100);
    expect(f.calls[0]?.bytes).toEqual(Buffer.concat([1, 2, 3, 4, 5].map((b) => Buffer.alloc(100, b))));
    expect(log).toEqual(['1', '2', '3', '4', '5']);
    expect(f.counted).toEqual({ datagrams: 5, bytes: 500 });
    expect(s.mode).toBe('segmented');
  });

  it('sends a full slab at once, and a lone frame as one datagram', () => {
    const f = fakeIo();
    const s = new SlabFrameSender(100, f.io, TO, { maxSegments: 4, maxBytes: 65_000 });
    const log: string[] = [];
    for (let i = 1; i <= 5; i++) put(s, 100, i, log);
    // The first four filled a slab and left inside the fourth commit; the fifth waits for the turn.
    expect(f.calls.map((c) => c.bytes.length)).toEqual([400]);
    expect(log).toEqual(['1', '2', '3', '4']);
    f.turn();
    expect(f.calls.map((c) => [c.bytes.length, c.segmentSize])).toEqual([
      [400, 100],
      [100, 0],
    ]);
    expect(log).toEqual(['1', '2', '3', '4', '5']);
  });

  it('ends a run at a shorter frame: it leaves as the last segment, and the next frame starts a new send', () => {
    const f = fakeIo();
    const s = new SlabFrameSender(100, f.io, TO);
    const log: string[] = [];
    put(s, 100, 1, log);
    put(s, 60, 2, log);
    put(s, 100, 3, log);
    f.turn();
    expect(f.calls.map((c) => [c.bytes.length, c.segmentSize])).toEqual([
      [160, 100],
      [100, 0],
    ]);
    expect(f.calls[0]?.bytes.subarray(100)).toEqual(Buffer.alloc(60, 2));
    expect(log).toEqual(['1', '2', '3']);
  });

  it('fits as many frames in a send as 65,000 bytes hold (jumbo frames), at least one', () => {
    expect(new SlabFrameSender(8950, fakeIo().io, TO).framesPerSlab).toBe(7);
    expect(new SlabFrameSender(1450, fakeIo().io, TO).framesPerSlab).toBe(16);
    const big = new SlabFrameSender(65_507, fakeIo().io, TO);
    expect(big.framesPerSlab).toBe(1);
    expect(big.mode).toBe('per-datagram');
  });

  it('gives the same frame until it is committed, and reuses frames once their send completed', () => {
    const f = fakeIo();
    const s = new SlabFrameSender(100, f.io, TO, { maxSegments: 4, maxBytes: 65_000 });
    const first = s.frame();
    expect(s.frame()).toBe(first); // an encode that threw leaves nothing behind
    const log: string[] = [];
    for (let turn = 0; turn < 50; turn++) {
      for (let i = 0; i < 3; i++) put(s, 100, i, log);
      f.turn();
    }
    expect(log).toHaveLength(150);
    expect(s.framesAllocated).toBe(4);
  });

  it('waits when the socket buffer is full and sends everything later, in order, callbacks only after', () => {
    const f = fakeIo([-EAGAIN, -EAGAIN]);
    const s = new SlabFrameSender(100, f.io, TO, { maxSegments: 2, maxBytes: 65_000 });
    const log: string[] = [];
    put(s, 100, 1, log);
    put(s, 100, 2, log); // full: tried at once, EAGAIN
    put(s, 100, 3, log);
    put(s, 100, 4, log); // full: queued behind the first
    f.turn();
    expect(f.calls).toEqual([]);
    expect(log).toEqual([]);
    expect(f.fireTimers()).toBe(1); // the retry: EAGAIN again
    expect(log).toEqual([]);
    put(s, 100, 5, log);
    f.turn();
    expect(f.fireTimers()).toBe(1);
    expect(f.calls.map((c) => c.bytes[0])).toEqual([1, 3, 5]);
    expect(log).toEqual(['1', '2', '3', '4', '5']);
    expect(s.retries).toBe(2);
  });

  it('turns segmentation off when the kernel refuses it, and sends the same frames one by one', () => {
    const f = fakeIo([-EIO]);
    const s = new SlabFrameSender(100, f.io, TO);
    const log: string[] = [];
    for (let i = 1; i <= 3; i++) put(s, 100, i, log);
    f.turn();
    expect(f.calls.map((c) => [c.bytes[0], c.bytes.length, c.segmentSize])).toEqual([
      [1, 100, 0],
      [2, 100, 0],
      [3, 100, 0],
    ]);
    expect(log).toEqual(['1', '2', '3']);
    expect(s.mode).toBe('per-datagram');
    expect(s.fallback).toBe('a segmented send was refused: EIO');
    put(s, 100, 4, log);
    put(s, 100, 5, log);
    f.turn();
    expect(f.calls.slice(3).map((c) => c.segmentSize)).toEqual([0, 0]);
  });

  it('resumes one-by-one sends where a full buffer stopped them, sending none twice', () => {
    const f = fakeIo([-EIO, 100, -EAGAIN]);
    const s = new SlabFrameSender(100, f.io, TO);
    const log: string[] = [];
    for (let i = 1; i <= 3; i++) put(s, 100, i, log);
    f.turn();
    expect(f.calls.map((c) => c.bytes[0])).toEqual([1]);
    f.fireTimers();
    expect(f.calls.map((c) => c.bytes[0])).toEqual([1, 2, 3]);
    expect(log).toEqual(['1', '2', '3']);
  });

  it("fails a send's frames with a typed error naming the errno", () => {
    const f = fakeIo([-ENETUNREACH]);
    const s = new SlabFrameSender(100, f.io, TO);
    const log: string[] = [];
    put(s, 100, 1, log);
    put(s, 100, 2, log);
    let error: unknown;
    s.frame();
    s.commit(100, (err) => (error = err));
    f.turn();
    expect(log).toEqual(['1:TRANSPORT_SEND_FAILED', '2:TRANSPORT_SEND_FAILED']);
    expect(error).toMatchObject({ code: 'TRANSPORT_SEND_FAILED', data: { address: '239.1.2.3', port: 5000, errno: 'ENETUNREACH' } });
    // The next turn's frames go out as usual.
    put(s, 100, 4, log);
    f.turn();
    expect(log[log.length - 1]).toBe('4');
  });

  it('takes frames committed from inside a callback without losing or reordering any', () => {
    const f = fakeIo();
    const s = new SlabFrameSender(100, f.io, TO, { maxSegments: 2, maxBytes: 65_000 });
    const log: string[] = [];
    put(s, 100, 1, log);
    s.frame().fill(2, 0, 100);
    s.commit(100, () => {
      log.push('2');
      // As a pacing loop resumed by a completion would: two more frames, a full slab.
      put(s, 100, 3, log);
      put(s, 100, 4, log);
    });
    expect(f.calls.map((c) => [...c.bytes.subarray(0, 1), ...c.bytes.subarray(100, 101)])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(log).toEqual(['1', '2', '3', '4']);
  });

  it('refuses a commit without a frame and lengths a frame cannot hold', () => {
    const s = new SlabFrameSender(100, fakeIo().io, TO);
    expect(() => s.commit(10, () => undefined)).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
    s.frame();
    expect(() => s.commit(101, () => undefined)).toThrow(/1 to 100 bytes/);
    expect(() => s.commit(0, () => undefined)).toThrow(/1 to 100 bytes/);
    expect(() => new SlabFrameSender(0, fakeIo().io, TO)).toThrow(/frameSize/);
  });
});

describe('CallbackFrameSender', () => {
  it('sends each frame on its own, and writes a frame again only after its send completed', () => {
    const pending: (() => void)[] = [];
    const sent: Buffer[] = [];
    const s = new CallbackFrameSender(
      100,
      (bytes, to, cb) => {
        expect(to).toBe(TO);
        sent.push(Buffer.from(bytes));
        pending.push(() => cb());
      },
      TO,
      'no add-on',
    );
    const log: string[] = [];
    put(s, 100, 1, log);
    put(s, 40, 2, log);
    expect(sent.map((b) => b.length)).toEqual([100, 40]);
    expect(s.framesAllocated).toBe(2); // the first was still in flight
    pending.shift()?.();
    put(s, 100, 3, log);
    expect(s.framesAllocated).toBe(2);
    for (const p of pending.splice(0)) p();
    expect(log).toEqual(['1', '2', '3']);
    expect(s.mode).toBe('per-datagram');
    expect(s.fallback).toBe('no add-on');
  });
});

describe('UdpEndpoint.frameSender', () => {
  it.each([true, false])('delivers every datagram through the in-memory twin (batchedSends %s), counted in stats', async (batchedSends) => {
    const net = new MemoryNetwork({ seed: 1 });
    const tx = await net.open({ address: '10.0.0.1', batchedSends, multicast: { interface: '10.0.0.1' } });
    const rx = await net.open({ address: '0.0.0.0', port: 5000, multicast: { interface: '10.0.0.2', group: TO.address } });
    const got: number[][] = [];
    rx.onDatagram((bytes) => got.push([bytes[0] as number, bytes.length]));
    const s = tx.frameSender(100, TO);
    expect(s.mode).toBe(batchedSends ? 'segmented' : 'per-datagram');
    const log: string[] = [];
    for (let i = 1; i <= 20; i++) put(s, i === 20 ? 30 : 100, i, log);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1, i === 19 ? 30 : 100]));
    expect(log).toHaveLength(20);
    expect(tx.stats()).toMatchObject({ sentDatagrams: 20, sentBytes: 1930 });
    await tx.close();
    await rx.close();
  });

  it('refuses a group destination on an endpoint without a multicast interface', async () => {
    const net = new MemoryNetwork({ seed: 1 });
    const tx = await net.open({ address: '10.0.0.1' });
    expect(() => tx.frameSender(100, TO)).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
    expect(() => tx.frameSender(100, { address: '10.0.0.2', port: 0 })).toThrow(/to.port/);
    await tx.close();
  });

  const linux = process.platform === 'linux' ? it : it.skip;

  linux("uses the add-on's segmented send wherever the add-on is built", () => {
    const load = loadNativeAddon();
    // The build (libs/wire native/build.mjs) makes it wherever there is a compiler, as in CI.
    expect(nativeUdpSend() !== undefined).toBe('addon' in load);
    if ('addon' in load) expect(typeof load.addon.udpSendSegments).toBe('function');
  });

  // Unicast on loopback only: nothing leaves the machine.
  linux('sends whole, ordered datagrams on a real socket (segmented where the add-on is built)', async () => {
    const rx = createSocket('udp4');
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
    const tx = await openUdpSocket({ address: '127.0.0.1', batchedSends: true });
    try {
      const got: Buffer[] = [];
      const all = new Promise<void>((resolve) =>
        rx.on('message', (m) => {
          got.push(m);
          if (got.length === 40) resolve();
        }),
      );
      const s = tx.frameSender(1000, { address: '127.0.0.1', port: rx.address().port });
      expect(s.mode).toBe(nativeUdpSend() !== undefined ? 'segmented' : 'per-datagram');
      const log: string[] = [];
      for (let i = 0; i < 40; i++) put(s, i === 39 ? 500 : 1000, i, log);
      await all;
      expect(got.map((m) => [m[0], m[m.length - 1], m.length])).toEqual(Array.from({ length: 40 }, (_, i) => [i, i, i === 39 ? 500 : 1000]));
      expect(log).toHaveLength(40);
      expect(tx.stats()).toMatchObject({ sentDatagrams: 40, sentBytes: 39_500 });
    } finally {
      await tx.close();
      rx.close();
    }
  });

  linux('fails sends after the endpoint closed instead of writing to a descriptor that may be reused', async () => {
    const tx = await openUdpSocket({ address: '127.0.0.1', batchedSends: true });
    const s = tx.frameSender(100, { address: '127.0.0.1', port: 9 });
    await tx.close();
    const err = await new Promise<unknown>((resolve) => {
      s.frame();
      s.commit(100, resolve);
    });
    expect(err).toMatchObject({ code: expect.stringMatching(/^TRANSPORT_(SEND_FAILED|CLOSED)$/) });
  });
});
