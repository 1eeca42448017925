// The add-on's segmented send (native/udp-send.c) on its own: argument checks and errno results.
// Its use, datagrams on real sockets, is tested with libs/transport's frame sender.
import { createSocket } from 'node:dgram';
import { constants } from 'node:os';
import { loadNativeAddon } from './native-addon';

const load = loadNativeAddon();
const send = 'addon' in load ? load.addon.udpSendSegments : undefined;
// Where the build made the add-on (Linux with a compiler, as in CI), it has the send.
const withAddon = send ? it : it.skip;

describe('castpoint-native udpSendSegments', () => {
  it('is in every add-on this build makes', () => {
    if ('addon' in load) expect(typeof send).toBe('function');
  });

  withAddon('returns -errno rather than throwing when the kernel refuses (a descriptor that is not open)', () => {
    expect(send?.(987_654, Buffer.alloc(10), 0, 10, 0, 0x7f000001, 9)).toBe(-constants.errno.EBADF);
  });

  withAddon('refuses ranges outside the buffer, empty or oversized sends and bad ports before any system call', () => {
    const buf = Buffer.alloc(100);
    const f = send as NonNullable<typeof send>;
    expect(() => f(987_654, buf, 50, 51, 0, 0x7f000001, 9)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => f(987_654, buf, 0, 0, 0, 0x7f000001, 9)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => f(987_654, Buffer.alloc(70_000), 0, 65_508, 0, 0x7f000001, 9)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => f(987_654, buf, 0, 10, 0, 0x7f000001, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => f(987_654, buf, 0, 10, 0, 0x7f000001, 70_000)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => f(987_654, 'not bytes' as unknown as Uint8Array, 0, 10, 0, 0x7f000001, 9)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => f(-1, buf, 0, 10, 0, 0x7f000001, 9)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  // Loopback only: nothing leaves the machine.
  withAddon('cuts one send into datagrams of the segment size, the last one shorter', async () => {
    const rx = createSocket('udp4');
    const tx = createSocket('udp4');
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => tx.bind(0, '127.0.0.1', resolve));
    try {
      const got: number[][] = [];
      const three = new Promise<void>((resolve) =>
        rx.on('message', (m) => {
          got.push([m.length, m[0] as number]);
          if (got.length === 3) resolve();
        }),
      );
      const buf = Buffer.alloc(2600);
      buf.fill(1, 100, 1100);
      buf.fill(2, 1100, 2100);
      buf.fill(3, 2100, 2600);
      const fd = (tx as unknown as { _handle: { fd: number } })._handle.fd;
      expect(send?.(fd, buf, 100, 2500, 1000, 0x7f000001, rx.address().port)).toBe(2500);
      await three;
      expect(got).toEqual([
        [1000, 1],
        [1000, 2],
        [500, 3],
      ]);
    } finally {
      rx.close();
      tx.close();
    }
  });
});
