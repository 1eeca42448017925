// recvmmsg(2) through koffi: up to RECV_BATCH datagrams per system call, where the batched reader
// otherwise makes one read(2) per datagram (~9% of an agent's samples, docs/benchmarks.md). node:dgram
// cannot call it, so libc's recvmmsg is called through koffi (as segment-offload.ts calls
// setsockopt) on the socket's descriptor. No struct is marshalled per call: the mmsghdr array, its
// iovecs and the receive slots live in ONE Buffer, filled once with the addresses of its own parts
// (the kernel reads the headers and writes the slots; a Node Buffer's memory never moves while it
// is referenced, and this module keeps it referenced). msg_name is left empty, so the sender is not
// reported (as with read(2): batched reads give UNKNOWN_PEER).
// Where koffi, libc's recvmmsg or the 64-bit Linux layout is missing, loadRecvMmsg says why and
// the reader keeps read(2).
import { createRequire } from 'node:module';
import { koffiCpuRefusal } from './cpu-features';
import { errnoName } from './errors';

/** Datagrams one call can take (the reader's budget per turn is a few of these). */
export const RECV_BATCH = 64;
/** Each slot holds the largest IPv4 UDP payload (65,507 bytes), so nothing is ever truncated. */
const SLOT_BYTES = 65_536;
/**
 * Slots start 64 bytes further apart than their size: at exactly 64 KiB apart the first bytes of
 * every slot (all a 1450-byte datagram touches) would fall into the same cache sets.
 */
const SLOT_STRIDE = SLOT_BYTES + 64;
// struct mmsghdr on 64-bit Linux (x86-64 and arm64 alike): struct msghdr (56 bytes: msg_name 0,
// msg_namelen 8, msg_iov 16, msg_iovlen 24, msg_control 32, msg_controllen 40, msg_flags 48), then
// unsigned int msg_len at 56, padded to 64. struct iovec: iov_base 0, iov_len 8.
const MMSGHDR = 64;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_LEN = 56;
const IOVEC = 16;
const MSG_DONTWAIT = 0x40;

/** A batch read: datagrams land in the source's own slots, valid until its next read. */
export interface DatagramBatchSource {
  /** Most datagrams one read() returns. */
  readonly maxBatch: number;
  /**
   * Reads up to maxBatch datagrams from `fd`: how many (0 when the socket is empty), or throws an
   * Error whose `code` names the errno ('EINTR', 'ENOSYS', ...).
   */
  read(fd: number): number;
  /** Datagram `i` of the last read, as a view of the source's memory. */
  datagram(i: number): Buffer;
}

interface KoffiLike {
  load(name: string): { func(signature: string): (...args: unknown[]) => unknown };
  address(pointer: unknown): bigint;
  errno(): number;
}


/** koffi from node_modules beside the code, resolved at run time (never bundled: its binary is a file). */
export function requireKoffi(): unknown {
  return createRequire(__filename)('koffi');
}

/**
 * A recvmmsg batch source for this platform, or why there is none. `loadKoffi` is how koffi is
 * reached (a single executable has no node_modules: its app loads koffi from an asset);
 * `platform`/`arch` are parameters for the tests of the refusals: the layout above is 64-bit
 * little-endian Linux's.
 */
export function loadRecvMmsg(
  loadKoffi: () => unknown = requireKoffi,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  cpuRefusal: (arch: string) => string | undefined = koffiCpuRefusal,
): DatagramBatchSource | { unavailable: string } {
  if (platform !== 'linux') return { unavailable: `recvmmsg is Linux only (${platform})` };
  if (arch !== 'x64' && arch !== 'arm64') return { unavailable: `recvmmsg's struct layout is only known here for x64 and arm64 (${arch})` };
  // Before koffi is loaded: its binary would die of SIGILL on such a CPU (cpu-features.ts).
  const refused = cpuRefusal(arch);
  if (refused !== undefined) return { unavailable: refused };
  let koffi: KoffiLike;
  try {
    koffi = loadKoffi() as KoffiLike;
  } catch (err) {
    return { unavailable: `koffi does not load: ${(err as Error).message.split('\n')[0] ?? ''}` };
  }
  let recvmmsg: (...args: unknown[]) => unknown;
  let memmove: (...args: unknown[]) => unknown;
  try {
    const libc = koffi.load('libc.so.6');
    recvmmsg = libc.func('int recvmmsg(int, void *, unsigned int, int, void *)');
    // memmove(p, p, 0) returns p: the one way to learn where a Buffer's bytes are.
    memmove = libc.func('void *memmove(void *, const void *, size_t)');
  } catch (err) {
    return { unavailable: `libc's recvmmsg is not reachable: ${(err as Error).message}` };
  }
  return new RecvMmsgSource(
    (fd, mem) => recvmmsg(fd, mem, RECV_BATCH, MSG_DONTWAIT, null) as number,
    (buf) => koffi.address(memmove(buf, buf, 0)),
    () => koffi.errno(),
  );
}

/** The memory and the call; the FFI is injected (loadRecvMmsg gives koffi's). */
export class RecvMmsgSource implements DatagramBatchSource {
  readonly maxBatch = RECV_BATCH;
  /** [mmsghdr x RECV_BATCH][iovec x RECV_BATCH][slots]: one allocation, addresses set once. */
  private readonly mem: Buffer;
  private readonly slotsAt: number;
  private readonly views: Buffer[];

  constructor(
    private readonly call: (fd: number, mem: Buffer) => number,
    addressOf: (buf: Buffer) => bigint,
    private readonly errno: () => number,
  ) {
    const iovAt = RECV_BATCH * MMSGHDR;
    this.slotsAt = iovAt + RECV_BATCH * IOVEC;
    this.mem = Buffer.alloc(this.slotsAt + RECV_BATCH * SLOT_STRIDE);
    const base = addressOf(this.mem);
    for (let i = 0; i < RECV_BATCH; i++) {
      const h = i * MMSGHDR;
      const iov = iovAt + i * IOVEC;
      this.mem.writeBigUInt64LE(base + BigInt(iov), h + MSG_IOV);
      this.mem.writeBigUInt64LE(1n, h + MSG_IOVLEN);
      this.mem.writeBigUInt64LE(base + BigInt(this.slotsAt + i * SLOT_STRIDE), iov);
      this.mem.writeBigUInt64LE(BigInt(SLOT_BYTES), iov + 8);
    }
    // One view per slot, made once; datagram() only trims it.
    this.views = Array.from({ length: RECV_BATCH }, (_, i) => this.mem.subarray(this.slotsAt + i * SLOT_STRIDE, this.slotsAt + i * SLOT_STRIDE + SLOT_BYTES));
  }

  read(fd: number): number {
    const n = this.call(fd, this.mem);
    if (n >= 0) return n;
    const errno = this.errno();
    const code = errnoName(errno);
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
    throw Object.assign(new Error(`${code}: recvmmsg failed (errno ${errno})`), { code, errno });
  }

  datagram(i: number): Buffer {
    const len = this.mem.readUInt32LE(i * MMSGHDR + MSG_LEN);
    return (this.views[i] as Buffer).subarray(0, len);
  }
}
