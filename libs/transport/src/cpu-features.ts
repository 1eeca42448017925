// Whether this x86-64 CPU runs koffi's prebuilt binary. koffi's linux-x64 `koffi.node` holds
// SSSE3 (`pshufb`) and SSE4.1 (`ptest`) instructions in its argument and array conversions, with
// no check of the CPU first: on a CPU without them (x86-64 PCs before ~2008, and qemu's default
// TCG CPU `qemu64`) the call that reaches one dies of SIGILL, which no try/catch sees (an agent in
// a qemu64 VM once exited 132 ten seconds into receiving). So the FFI paths (recvmmsg,
// UDP_SEGMENT) are used only where /proc/cpuinfo lists both, and the plain socket path otherwise.
import { readFileSync } from 'node:fs';

/** The CPU features koffi's x86-64 binary needs. */
export const KOFFI_X64_FEATURES = ['ssse3', 'sse4_1'] as const;

/**
 * Why koffi's binary must not run on this CPU, or undefined when it may: `arch` other than x64
 * needs nothing; on x64 the first `flags` line of `cpuinfo` (Linux's /proc/cpuinfo) must list
 * every feature. An unreadable or flagless cpuinfo is not held against the CPU.
 */
export function koffiCpuRefusal(arch: string = process.arch, cpuinfo: () => string = () => readFileSync('/proc/cpuinfo', 'latin1')): string | undefined {
  if (arch !== 'x64') return undefined;
  let text: string;
  try {
    text = cpuinfo();
  } catch {
    return undefined;
  }
  const line = /^flags\s*:(.*)$/m.exec(text)?.[1];
  if (line === undefined) return undefined;
  const flags = new Set(line.trim().split(/\s+/));
  const missing = KOFFI_X64_FEATURES.filter((f) => !flags.has(f));
  return missing.length === 0 ? undefined : `this CPU lacks ${missing.join(' and ')}, which koffi's binary uses unchecked (it would die of SIGILL)`;
}
