const MiB = 1024 * 1024;

/**
 * Memory a machine needs to run the boot environment, in MiB (a multiple of 64): the initramfs
 * lives in RAM twice while the kernel unpacks it (compressed and unpacked), the kernel itself and
 * its tables take ~96 MiB, and the agent (Node) needs ~160 MiB of heap and write buffers at work.
 * Measured in the VM lab: see docs/netboot.md.
 */
export function ramNeededMiB(sizes: { kernelBytes: number; initrdBytes: number; unpackedBytes: number }): number {
  const bytes = sizes.initrdBytes + sizes.unpackedBytes + 4 * sizes.kernelBytes + 96 * MiB + 160 * MiB;
  return Math.ceil(bytes / MiB / 64) * 64;
}
