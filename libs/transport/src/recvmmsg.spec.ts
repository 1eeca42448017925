import { createSocket, type Socket } from 'node:dgram';
import { constants } from 'node:os';
import { socketReadHandle } from './batched-reader';
import { loadRecvMmsg, RECV_BATCH, RecvMmsgSource, type DatagramBatchSource } from './recvmmsg';
import { openUdpSocket } from './udp-socket';

const BASE = 0x7f00_0000_1000n;

/** A source over a fake call: `fill` plays the kernel, writing datagrams and msg_len at the addresses the headers hold. */
function fakeSource(fill: (mem: Buffer) => number, errno = 0): { source: RecvMmsgSource; mem: () => Buffer } {
  let seen: Buffer | undefined;
  const source = new RecvMmsgSource(
    (_fd, mem) => {
      seen = mem;
      return fill(mem);
    },
    () => BASE,
    () => errno,
  );
  return { source, mem: () => seen as Buffer };
}

/** What the kernel does for message i: follow msg_iov to the iovec, iov_base to the slot, write, set msg_len. */
function kernelWrite(mem: Buffer, i: number, bytes: Buffer): void {
  const iov = Number(mem.readBigUInt64LE(i * 64 + 16) - BASE);
  expect(mem.readBigUInt64LE(i * 64 + 24)).toBe(1n); // one iovec per message
  const slot = Number(mem.readBigUInt64LE(iov) - BASE);
  expect(mem.readBigUInt64LE(iov + 8)).toBe(65_536n); // the largest UDP payload fits
  bytes.copy(mem, slot);
  mem.writeUInt32LE(bytes.length, i * 64 + 56);
}

function bound(): Promise<Socket> {
  const sock = createSocket('udp4');
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve(sock)));
}

describe('RecvMmsgSource', () => {
  it('points every header at its own iovec and slot inside its one buffer, and returns each datagram at its length', () => {
    const words = ['first', '', 'x'.repeat(9000)].map((w) => Buffer.from(w));
    const { source, mem } = fakeSource((m) => {
      words.forEach((w, i) => kernelWrite(m, i, w));
      return words.length;
    });
    expect(source.maxBatch).toBe(RECV_BATCH);
    expect(source.read(5)).toBe(3);
    expect([0, 1, 2].map((i) => source.datagram(i).toString())).toEqual(words.map(String));
    // Slots do not overlap: writing the last message left the first one whole.
    const slots = new Set(Array.from({ length: RECV_BATCH }, (_, i) => mem().readBigUInt64LE(Number(mem().readBigUInt64LE(i * 64 + 16) - BASE))));
    expect(slots.size).toBe(RECV_BATCH);
  });

  it('reads an empty socket (EAGAIN) as 0 and throws any other errno by name', () => {
    expect(fakeSource(() => -1, constants.errno.EAGAIN).source.read(5)).toBe(0);
    expect(() => fakeSource(() => -1, constants.errno.EBADF).source.read(5)).toThrow(expect.objectContaining({ code: 'EBADF' }) as Error);
    expect(() => fakeSource(() => -1, constants.errno.ENOSYS).source.read(5)).toThrow(expect.objectContaining({ code: 'ENOSYS' }) as Error);
  });

  it('says why there is no recvmmsg off 64-bit Linux', () => {
    expect(loadRecvMmsg(undefined, 'win32')).toEqual({ unavailable: expect.stringContaining('Linux only') as string });
    expect(loadRecvMmsg(undefined, 'linux', 'ia32')).toEqual({ unavailable: expect.stringContaining('ia32') as string });
    const noKoffi = (): never => {
      throw new Error('Cannot find module koffi\nRequire stack: ...');
    };
    expect(loadRecvMmsg(noKoffi, 'linux', 'x64', () => undefined)).toEqual({ unavailable: 'koffi does not load: Cannot find module koffi' });
  });

  it('leaves koffi unloaded on an x86-64 CPU without SSSE3/SSE4.1 (its binary would die of SIGILL there)', () => {
    let loaded = false;
    const koffi = (): never => {
      loaded = true;
      throw new Error('must not be loaded');
    };
    expect(loadRecvMmsg(koffi, 'linux', 'x64', () => 'this CPU lacks ssse3')).toEqual({ unavailable: 'this CPU lacks ssse3' });
    expect(loaded).toBe(false);
  });
});

const linux = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');

(linux ? describe : describe.skip)('recvmmsg on a real loopback socket (koffi)', () => {
  it('takes a burst of datagrams in a few calls, each whole and in order, then reports the socket empty', async () => {
    const rx = await bound();
    const tx = await bound();
    try {
      const loaded = loadRecvMmsg();
      if ('unavailable' in loaded) throw new Error(loaded.unavailable);
      const source: DatagramBatchSource = loaded;
      const handle = socketReadHandle(rx);
      if (!handle) throw new Error('no descriptor');
      handle.recvStop();
      // Room for the whole burst (the default ~208 KiB holds about 90 such datagrams' buffers).
      rx.setRecvBufferSize(4 << 20);
      const sent = Array.from({ length: 150 }, (_, i) => Buffer.alloc(i === 7 ? 65_507 : 1 + ((i * 97) % 1450), i));
      for (const b of sent) await new Promise<void>((res, rej) => tx.send(b, rx.address().port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      const got: Buffer[] = [];
      let calls = 0;
      for (;;) {
        calls++;
        const n = source.read(handle.fd);
        if (n === 0) break;
        for (let i = 0; i < n; i++) got.push(Buffer.from(source.datagram(i)));
      }
      expect(got.length).toBe(sent.length);
      expect(got.every((b, i) => b.equals(sent[i] as Buffer))).toBe(true);
      // 150 datagrams in ceil(150 / 64) = 3 calls, and one more that found the socket empty.
      expect(calls).toBe(4);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it('is what a batchedReads endpoint reads with: fewer system calls than datagrams', async () => {
    const rx = await openUdpSocket({ address: '127.0.0.1', batchedReads: true, recvBufferSize: 4 << 20 });
    const tx = await openUdpSocket({ address: '127.0.0.1' });
    try {
      const got: number[] = [];
      rx.onDatagram((b) => got.push(b.length));
      // Sent while the reader cannot run (one synchronous loop): they wait in the socket together.
      for (let i = 0; i < 300; i++) tx.sendCb(new Uint8Array(1400), rx.address(), () => undefined);
      for (let t = 0; t < 200 && got.length < 300; t++) await new Promise((r) => setTimeout(r, 10));
      expect(got.length).toBe(300);
      expect(rx.stats().readMode).toBe('batched');
      expect(rx.stats().readCalls).toBeGreaterThan(0);
      // read(2) would need 301 calls at least (one per datagram, one that finds it empty); the
      // bound leaves room for the empty polls of a slow box (one per millisecond of waiting).
      expect(rx.stats().readCalls).toBeLessThan(300 / 2);
    } finally {
      await rx.close();
      await tx.close();
    }
  });
});
