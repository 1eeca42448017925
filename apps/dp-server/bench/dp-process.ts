// `castpoint-dp serve` (the built bundle) as a child process of the bench, on 127.0.0.1 only, with
// its start-up time (spawn -> listening and answering /healthz) and memory (VmRSS from /proc).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ADMIN = 'bench-admin-token-0000000000001';
export const CLIENT = 'bench-client-token-000000000001';

/** A tick of the probe's 1 ms interval later than this is a stall. */
export const STALL_MS = 5;
export const LOOP_STALLS_ASK = 'castpoint-bench:loop-stalls?';

/** The DP's event-loop stalls so far, from loop-stall-probe.ts inside it. */
export interface LoopStalls {
  /** Ticks of the 1 ms interval seen. */
  ticks: number;
  /** Ticks more than STALL_MS late. */
  stalls: number;
  /** Their lateness added up, ms. */
  stallMs: number;
  worstMs: number;
  /** Stalls in which the DP itself used more than STALL_MS of CPU (not the OS running others). */
  busyStalls: number;
  /** The CPU those used, ms. */
  busyMs: number;
}

export interface DpProcess {
  url: string;
  startMs: number;
  rssMiB(): number;
  /** CPU time the DP process has used (user + system), ms. */
  cpuMs(): number;
  loopStalls(): Promise<LoopStalls>;
  stop(): Promise<void>;
}

export function rssMiBOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** utime + stime of a process, ms (fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Starts the DP at its default log level (info: a line per assignment, as in production), with
 * the stall probe (dist/bench/loop-stall-probe.cjs, bundled by the bench target) preloaded.
 * `nodeArgs` go before the script (FLEET_BENCH_DP_NODE_ARGS, e.g. --cpu-prof); `main` is the
 * bundle to run (FLEET_BENCH_DP_MAIN: another build's, to compare two at the same load).
 */
export function startDp(root: string, dataDir: string, databaseUrl?: string, nodeArgs: readonly string[] = [], main = path.join(root, 'dist/apps/dp-server/main.cjs')): Promise<DpProcess> {
  const args = [...nodeArgs, '--require', path.join(root, 'dist/bench/loop-stall-probe.cjs'), main, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1', '--admin-token', ADMIN, '--client-token', CLIENT];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('spawn gave no stdout/stderr pipes');
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let found = false;
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const onExit = (code: number | null) => reject(new Error(`castpoint-dp exited ${code} before listening: ${err}${out.slice(-2000)}`));
    child.once('exit', onExit);
    stdout.on('data', (d: Buffer) => {
      if (found) return; // the log goes on; only the listening line is wanted
      out += d.toString();
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
      if (!url) return;
      found = true;
      child.off('exit', onExit);
      resolve({
        url,
        startMs: performance.now() - t0,
        rssMiB: () => rssMiBOf(child.pid ?? 0),
        cpuMs: () => cpuMsOf(child.pid ?? 0),
        loopStalls: () =>
          new Promise<LoopStalls>((answer, fail) => {
            const onMessage = (m: unknown) => {
              const stalls = (m as { loopStalls?: LoopStalls } | null)?.loopStalls;
              if (!stalls) return;
              child.off('message', onMessage);
              answer(stalls);
            };
            child.on('message', onMessage);
            if (!child.send(LOOP_STALLS_ASK)) fail(new Error('the DP has no IPC channel (was the probe loaded?)'));
          }),
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
