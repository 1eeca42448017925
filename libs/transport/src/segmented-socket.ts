// Sets up batchedSends for a node:dgram socket: the UDP_SEGMENT offload (segment-offload.ts)
// checked on this socket, and a SegmentingSender whose sends are node:dgram's own.
import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { socketReadHandle } from './batched-reader';
import { loadSegmentOffload } from './segment-offload';
import { DEFAULT_SEGMENT_LIMITS, SegmentingSender } from './segmenting-sender';

/** The MTU of the interface holding `address` (Linux sysfs), or undefined. */
export function interfaceMtu(address: string): number | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs?.some((a) => a.address === address)) continue;
    try {
      const mtu = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
      return Number.isInteger(mtu) && mtu >= 576 ? mtu : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A SegmentingSender for `sock`, or why there is none. `iface` is the sending interface's address
 * (its MTU bounds the segment size; 1500 assumed when unknown).
 */
export function segmentingSenderFor(sock: Socket, iface: string | undefined): SegmentingSender | { unavailable: string } {
  const offload = loadSegmentOffload();
  if ('unavailable' in offload) return offload;
  // The same probe the batched reader uses, for the descriptor only (reading is left as it is).
  const fd = socketReadHandle(sock)?.fd;
  if (fd === undefined) return { unavailable: 'node:dgram does not expose the socket descriptor' };
  try {
    offload.setSegmentSize(fd, 0);
  } catch (err) {
    return { unavailable: `the kernel has no UDP_SEGMENT: ${(err as Error).message}` };
  }
  const mtu = (iface !== undefined && iface !== '0.0.0.0' ? interfaceMtu(iface) : undefined) ?? 1500;
  return new SegmentingSender(
    {
      setSegmentSize: (size) => offload.setSegmentSize(fd, size),
      send: (bufs, to, cb) => {
        try {
          sock.send(bufs as Uint8Array[], to.port, to.address, (err) => cb(err));
        } catch (err) {
          process.nextTick(cb, err as Error);
        }
      },
      defer: (fn) => process.nextTick(fn),
    },
    { ...DEFAULT_SEGMENT_LIMITS, maxSegmentSize: mtu - 28 },
  );
}
