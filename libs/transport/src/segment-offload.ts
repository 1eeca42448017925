// UDP segmentation offload (UDP_SEGMENT, Linux 4.18+): with the socket option set to S, one send
// of n * S bytes leaves as n datagrams of S bytes (the last may be shorter), cut by the kernel
// after the whole UDP/IP/netfilter/qdisc path ran once. node:dgram cannot set the option, so it
// is set through koffi (an FFI package with prebuilt binaries inside it) calling libc's
// setsockopt; the sends themselves stay node:dgram's (a list of buffers is one sendmsg).
// Where koffi or the option is missing (Windows, a bundle without node_modules, an old kernel),
// loadSegmentOffload says why and the caller keeps one send per datagram.
import { createRequire } from 'node:module';
import { koffiCpuRefusal } from './cpu-features';

const SOL_UDP = 17;
const UDP_SEGMENT = 103;

export interface SegmentOffload {
  /** Sets UDP_SEGMENT on `fd` (0 = off); throws an Error with the errno when the kernel refuses. */
  setSegmentSize(fd: number, size: number): void;
}

interface KoffiLike {
  load(name: string): { func(signature: string): (...args: unknown[]) => unknown };
  errno(): number;
}

/** Loads the offload for this platform, or gives the reason there is none. */
export function loadSegmentOffload(platform: NodeJS.Platform = process.platform, cpuRefusal: () => string | undefined = () => koffiCpuRefusal()): SegmentOffload | { unavailable: string } {
  if (platform !== 'linux') return { unavailable: `UDP_SEGMENT is Linux only (${platform})` };
  // Before koffi is loaded: its binary would die of SIGILL on such a CPU (cpu-features.ts).
  const refused = cpuRefusal();
  if (refused !== undefined) return { unavailable: refused };
  let koffi: KoffiLike;
  try {
    // Resolved at run time beside the code (node_modules), never bundled: its binary is a file.
    koffi = createRequire(__filename)('koffi') as KoffiLike;
  } catch (err) {
    return { unavailable: `koffi does not load: ${(err as Error).message.split('\n')[0] ?? ''}` };
  }
  let setsockopt: (...args: unknown[]) => unknown;
  try {
    setsockopt = koffi.load('libc.so.6').func('int setsockopt(int, int, int, const void *, uint32_t)');
  } catch (err) {
    return { unavailable: `libc's setsockopt is not reachable: ${(err as Error).message}` };
  }
  const value = Buffer.alloc(4);
  return {
    setSegmentSize(fd: number, size: number): void {
      value.writeInt32LE(size, 0);
      if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, value, 4) !== 0) {
        const errno = koffi.errno();
        throw Object.assign(new Error(`setsockopt(UDP_SEGMENT, ${size}) failed: errno ${errno}`), { errno });
      }
    },
  };
}
