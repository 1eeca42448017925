import { ramNeededMiB } from './ram';

const MB = 1e6;

describe('ramNeededMiB', () => {
  it('is 448 MiB for the measured build (8.2 MB kernel, 39.9 MB initrd, 115 MB unpacked)', () => {
    expect(ramNeededMiB({ kernelBytes: 8.2 * MB, initrdBytes: 39.9 * MB, unpackedBytes: 115 * MB })).toBe(448);
  });

  it('is a multiple of 64 MiB that grows with the initramfs', () => {
    const small = ramNeededMiB({ kernelBytes: 8 * MB, initrdBytes: 1 * MB, unpackedBytes: 2 * MB });
    const big = ramNeededMiB({ kernelBytes: 8 * MB, initrdBytes: 60 * MB, unpackedBytes: 200 * MB });
    expect(small % 64).toBe(0);
    expect(big % 64).toBe(0);
    expect(big - small).toBeGreaterThanOrEqual(256);
  });
});
