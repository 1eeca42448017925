import { createReadStream, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Host, Lan } from '@castpoint/netlab';
import { collect } from '@castpoint/netlab';

/** Bytes `host` has put on its link so far (its eth0 transmit counter, read inside its namespace). */
export async function txBytes(lan: Lan, host: Host): Promise<number> {
  const r = await collect(lan.spawn(host, 'cat', ['/sys/class/net/eth0/statistics/tx_bytes']), 10_000);
  return Number(r.stdout.trim());
}

/**
 * Wraps a command so that, when it ends, bash's `times` prints the CPU its children used:
 * the sender's CPU seconds without needing wait4 rusage from Node. Exit status is preserved.
 */
export function withCpuTimes(cmd: string, args: readonly string[]): [string, string[]] {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['bash', ['-c', `${quoted}; rc=$?; times >&2; exit $rc`]];
}

/** Parses the second line of bash `times` ("0m1.234s 0m0.567s": children user, system). */
export function parseCpuTimes(stderr: string): number {
  const lines = stderr.trim().split('\n').filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim()));
  const last = lines[lines.length - 1];
  if (!last) return NaN;
  return last
    .trim()
    .split(' ')
    .map((t) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t);
      return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
    })
    .reduce((a, b) => a + b, 0);
}

/** `padTo`: hashed as if zeros followed the file's end up to that size (a sparse tail never written). */
export function sha256File(path: string, padTo?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let seen = 0;
    createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })
      .on('data', (d) => {
        seen += d.length;
        h.update(d);
      })
      .on('error', reject)
      .on('end', () => {
        for (let left = (padTo ?? 0) - seen; left > 0; left -= 4 * 1024 * 1024) h.update(Buffer.alloc(Math.min(left, 4 * 1024 * 1024)));
        resolve(h.digest('hex'));
      });
  });
}

/**
 * Seconds a live process's main thread has been runnable but waiting for a CPU (second field of
 * /proc/PID/schedstat); NaN where the kernel does not keep scheduler statistics.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    const wait = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ')[1];
    return wait === undefined ? NaN : Number(wait) / 1e9;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a live process has used, from /proc/PID/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
