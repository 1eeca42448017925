import { createSocket } from 'node:dgram';
import { socketReadHandle } from './batched-reader';
import { loadSegmentOffload } from './segment-offload';

// No datagram is sent here: the socket is bound to loopback and only its option is set.
describe('loadSegmentOffload', () => {
  const linux = process.platform === 'linux' ? it : it.skip;

  linux('loads koffi under jest and sets UDP_SEGMENT on a real socket; the kernel\'s refusals surface with their errno', async () => {
    const offload = loadSegmentOffload();
    if ('unavailable' in offload) throw new Error(offload.unavailable);
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    try {
      const fd = socketReadHandle(sock)?.fd;
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(() => offload.setSegmentSize(fd as number, 1450)).not.toThrow();
      expect(() => offload.setSegmentSize(fd as number, 0)).not.toThrow();
      // EBADF: a descriptor that is not open.
      expect(() => offload.setSegmentSize(987_654, 1450)).toThrow(expect.objectContaining({ errno: 9 }));
    } finally {
      sock.close();
    }
  });

  it('says why there is no offload off Linux', () => {
    expect(loadSegmentOffload('win32')).toEqual({ unavailable: 'UDP_SEGMENT is Linux only (win32)' });
    // An x86-64 CPU without SSSE3/SSE4.1: koffi is not even loaded (cpu-features.ts).
    expect(loadSegmentOffload('linux', () => 'this CPU lacks sse4_1')).toEqual({ unavailable: 'this CPU lacks sse4_1' });
  });
});
