import { koffiCpuRefusal } from './cpu-features';

// Flags lines as Linux prints them (shortened): a current host, and qemu's TCG default CPU.
const HOST = 'processor\t: 0\nflags\t\t: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 popcnt avx\n\nprocessor\t: 1\nflags\t\t: fpu sse sse2 ssse3 sse4_1\n';
const QEMU64 = 'processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\nflags\t\t: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx lm rep_good nopl cpuid pni cx16 x2apic hypervisor lahf_lm\n';

describe('koffiCpuRefusal', () => {
  it.each([
    ['a CPU with SSSE3 and SSE4.1', 'x64', HOST, undefined],
    ['qemu64 (neither)', 'x64', QEMU64, "this CPU lacks ssse3 and sse4_1, which koffi's binary uses unchecked (it would die of SIGILL)"],
    ['SSSE3 only', 'x64', 'flags\t: sse2 ssse3\n', "this CPU lacks sse4_1, which koffi's binary uses unchecked (it would die of SIGILL)"],
    ['arm64 (koffi has no x86 code there)', 'arm64', QEMU64, undefined],
    ['a cpuinfo without a flags line', 'x64', 'processor\t: 0\n', undefined],
  ])('%s', (_what, arch, cpuinfo, want) => {
    expect(koffiCpuRefusal(arch, () => cpuinfo)).toBe(want);
  });

  it('does not hold an unreadable cpuinfo against the CPU', () => {
    expect(
      koffiCpuRefusal('x64', () => {
        throw new Error('EACCES');
      }),
    ).toBeUndefined();
  });
});
