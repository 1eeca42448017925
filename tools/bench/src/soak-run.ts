// The soak test of issue 21.5: the scheduled three-agent deployment (`--min-clients 3 --max-wait
// 30`) repeated under CPU stress. Once in eight runs on a busy box the agents got no answer from
// the DP for minutes; a soak counts the runs in which every agent ended with the verified image
// within the time limit, and keeps the DP's log of any run that did not.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Host } from '@castpoint/netlab';
import type { Fabric } from './fabric';
import { dpCli, placeImage, startAgent, startDp, type RunningDp } from './fleet';
import { sha256File } from './measure';
import { writeSampleImage } from './sample-image';

const MiB = 1024 * 1024;

export interface SoakOptions {
  readonly lan: Fabric;
  readonly runs: number;
  /** Busy processes beside the deployment (each spins one CPU). @default 4 */
  readonly stress?: number;
  /** Image size. @default 8 */
  readonly sizeMiB?: number;
  /** A run that has not ended after this long fails (its processes are killed). @default 120000 */
  readonly runTimeoutMs?: number;
  readonly onRun?: (r: SoakRun) => void;
  /** Another build's castpoint-dp bundle (an older one, to see the soak catch what it was made for). */
  readonly dpBundle?: string;
}

export interface SoakRun {
  readonly run: number;
  readonly ok: boolean;
  readonly seconds: number;
  /** Agents' exit codes (null: killed at the time limit). */
  readonly exits: ReadonlyArray<number | null>;
  readonly verified: readonly boolean[];
  /** 1-minute load average when the run ended. */
  readonly load: number;
  /** Why it failed, and where its DP log is. */
  readonly why?: string;
}

export interface SoakResult {
  readonly runs: readonly SoakRun[];
  readonly passed: number;
}

/** `n` processes that each keep one CPU busy (no I/O, no network), until stopped. */
export function startStress(n: number): () => void {
  const procs: ChildProcess[] = [];
  for (let i = 0; i < n; i++) procs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return () => {
    for (const p of procs) p.kill('SIGKILL');
  };
}

function ended(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode);
    else p.once('exit', (code) => resolve(code));
  });
}

async function oneRun(o: SoakOptions, run: number, work: string, image: { path: string; sha256: string }): Promise<SoakRun> {
  const dir = path.join(work, `run-${run}`);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  let dp: RunningDp | undefined;
  let dpLog = '';
  const agents: Array<{ host: Host; target: string; proc: ChildProcess }> = [];
  const limit = o.runTimeoutMs ?? 120_000;
  try {
    dp = await startDp(o.lan, o.lan.server, { dataDir: path.join(dir, 'dp'), ...(o.dpBundle ? { bundle: o.dpBundle } : {}) });
    const running = dp;
    running.proc.stdout?.on('data', (d: Buffer) => (dpLog += d.toString()));
    // Hard-linked into the DP's default image root (DATA_DIR/images), where imports come from.
    const add = await dpCli(o.lan, running, ['image', 'add', 'soak', placeImage(path.join(dir, 'dp'), image.path), '--mode', 'scheduled', '--min-clients', '3', '--max-wait', '30']);
    if (add.code !== 0) throw new Error(`image add failed: ${add.stderr}${add.stdout}`);
    for (const host of o.lan.clients.slice(0, 3)) {
      const target = path.join(dir, host.name, 'disk.img');
      mkdirSync(path.dirname(target), { recursive: true });
      agents.push({ host, target, proc: startAgent(o.lan, host, running, { image: 'soak', target, stateDir: path.join(dir, host.name, 'state') }) });
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), limit)));
    const all = Promise.all(agents.map((a) => ended(a.proc)));
    const first = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') for (const a of agents) a.proc.kill('SIGKILL');
    const exits = first === 'timeout' ? agents.map((a) => (a.proc.exitCode === null ? null : a.proc.exitCode)) : first;
    const verified = await Promise.all(agents.map(async (a) => (await sha256File(a.target).catch(() => '')) === image.sha256));
    const ok = exits.every((c) => c === 0) && verified.every(Boolean);
    return { run, ok, seconds: (Date.now() - t0) / 1000, exits, verified, load: loadavg()[0] ?? 0, ...(ok ? {} : { why: first === 'timeout' ? `not done within ${limit / 1000} s` : 'an agent failed' }) };
  } catch (err) {
    return { run, ok: false, seconds: (Date.now() - t0) / 1000, exits: agents.map((a) => a.proc.exitCode), verified: [], load: loadavg()[0] ?? 0, why: (err as Error).message };
  } finally {
    for (const a of agents) if (a.proc.exitCode === null) a.proc.kill('SIGKILL');
    if (dp) {
      dp.proc.kill('SIGTERM');
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([dp.ended.catch(() => undefined), new Promise((r) => (grace = setTimeout(r, 15_000)))]);
      clearTimeout(grace);
      if (dp.proc.exitCode === null) dp.proc.kill('SIGKILL');
    }
    writeFileSync(path.join(dir, 'dp.log'), dpLog);
  }
}

/** Runs the scheduled three-agent deployment `runs` times under `stress` busy processes. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  if (o.lan.clients.length < 3) throw new Error('the soak needs a LAN with 3 clients');
  const work = mkdtempSync(path.join(tmpdir(), 'cp-soak-'));
  const stop = startStress(o.stress ?? 4);
  const runs: SoakRun[] = [];
  try {
    const image = await writeSampleImage(path.join(work, 'image.img'), { size: (o.sizeMiB ?? 8) * MiB, seed: 21 });
    for (let i = 1; i <= o.runs; i++) {
      const r = await oneRun(o, i, work, image);
      // A failed run's directory (DP log and state, agents' state) stays for the post-mortem.
      const kept = r.ok ? r : { ...r, why: `${r.why ?? ''} (DP log: ${path.join(work, `run-${i}`, 'dp.log')})` };
      runs.push(kept);
      o.onRun?.(kept);
      // The run's data (targets, DP state) is not needed any more once it passed.
      if (r.ok) rmSync(path.join(work, `run-${i}`), { recursive: true, force: true });
    }
  } finally {
    stop();
    if (runs.every((r) => r.ok)) rmSync(work, { recursive: true, force: true });
  }
  return { runs, passed: runs.filter((r) => r.ok).length };
}
