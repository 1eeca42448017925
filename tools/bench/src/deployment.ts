import { mkdirSync, rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { collect, type Collected, type Host } from '@castpoint/netlab';
import type { Fabric } from './fabric';
import { processCpuSeconds, runQueueWaitSeconds, sha256File } from './measure';
import { dpCli, placeImage, startAgent, startDp, type RunningDp } from './fleet';

/** One agent's JSON progress line (the fields the demo and benchmark read). */
export interface AgentLine {
  readonly state: string;
  readonly percent: number;
  readonly rateBps: number;
  readonly repairedSymbols: number;
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly badPackets?: number;
  /** CPU seconds the agent had used (agents since 2026-11-24). */
  readonly cpuSeconds?: number;
}

export interface AgentRun {
  readonly host: Host;
  readonly target: string;
  readonly proc: ChildProcess;
  /** Latest JSON line seen. */
  last?: AgentLine;
  readonly ended: Promise<Collected>;
  endedAtMs?: number;
}

export interface DeploymentSpec {
  readonly lan: Fabric;
  readonly workDir: string;
  readonly image: string;
  readonly imageName?: string;
  readonly agents: readonly Host[];
  readonly maxRate?: string;
  /** Extra flags of `image add` (e.g. --encrypt, --slow-policy ...). */
  readonly imageFlags?: readonly string[];
  /** Called with every agent's latest line, about once a second. */
  readonly onProgress?: (agents: readonly AgentRun[]) => void;
  readonly timeoutMs?: number;
  /** Another build's bundles (default: this checkout's). */
  readonly bundles?: { readonly dp: string; readonly agent: string; readonly node?: string };
  /**
   * Before the timed session, the DP sends the image's first WARMUP_MIB to the same hosts
   * (another image name, other targets, the same flags but --used-blocks), untimed: the timed
   * session then runs on a DP that has served one before, its code compiled (castpoint-build.ts,
   * `+warm-dp`).
   */
  readonly warmDp?: boolean;
  /** Awaited just before the clock starts (the DP ready, the image added, the warm-up over). */
  readonly beforeClock?: (dp: RunningDp) => Promise<void>;
}

/** Size of the warm-up image: a few seconds' session, long enough for V8 to compile the hot code. */
export const WARMUP_MIB = 48;

export interface DeploymentResult {
  readonly dp: RunningDp;
  readonly agents: readonly AgentRun[];
  readonly wallSeconds: number;
  /** When the agents were started (Date.now()). */
  readonly startedAtMs: number;
  /** The DP's CPU seconds when the agents were started (its start and the image import). */
  readonly dpCpuAtStartSeconds: number;
  /** Seconds the DP's main thread had waited for a CPU when the agents were started. */
  readonly dpWaitAtStartSeconds: number;
  readonly exitCodes: ReadonlyArray<number | null>;
}

/** Reads newline-delimited JSON from an agent's stdout into `run.last`. */
function follow(run: AgentRun): void {
  let buf = '';
  run.proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        run.last = JSON.parse(line) as AgentLine;
      } catch {
        // A partial or foreign line: progress is best-effort, the exit code is what counts.
      }
    }
  });
}

/**
 * Starts a DP on the LAN's server host, adds the image, starts one agent per host and waits for
 * all of them to end. The DP keeps running (the caller stops it, see stopDp).
 */
export async function runDeployment(spec: DeploymentSpec): Promise<DeploymentResult> {
  const { lan } = spec;
  const name = spec.imageName ?? 'demo';
  const dataDir = path.join(spec.workDir, 'dp-data');
  const image = placeImage(dataDir, spec.image);
  const dp = await startDp(lan, lan.server, { dataDir, ...(spec.maxRate ? { maxRate: spec.maxRate } : {}), ...(spec.bundles ? { bundle: spec.bundles.dp } : {}), ...(spec.bundles?.node ? { node: spec.bundles.node } : {}) });
  if (spec.warmDp) await warmUp(spec, dp, dataDir, name);
  const add = await dpCli(lan, dp, ['image', 'add', name, image, ...(spec.imageFlags ?? [])]);
  if (add.code !== 0) throw new Error(`image add failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
  await spec.beforeClock?.(dp);
  const dpCpuAtStartSeconds = dp.proc.pid ? processCpuSeconds(dp.proc.pid) : NaN;
  const dpWaitAtStartSeconds = dp.proc.pid ? runQueueWaitSeconds(dp.proc.pid) : NaN;
  const t0 = Date.now();
  const agents: AgentRun[] = spec.agents.map((host) => {
    const dir = path.join(spec.workDir, host.name);
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'disk.img');
    const proc = startAgent(lan, host, dp, { image: name, target, stateDir: path.join(dir, 'state'), ...agentBundle(spec) });
    const run: AgentRun = { host, target, proc, ended: collect(proc, spec.timeoutMs ?? 600_000) };
    // The rejection (an agent that outlived its timeout) is the Promise.all's below to report:
    // unhandled here it ended the whole bench (node's default) with its LAN left behind.
    run.ended.then(
      () => (run.endedAtMs = Date.now()),
      () => undefined,
    );
    follow(run);
    return run;
  });
  const timer = spec.onProgress ? setInterval(() => spec.onProgress?.(agents), 1000) : undefined;
  try {
    const ends = await Promise.all(agents.map((a) => a.ended));
    return { dp, agents, wallSeconds: (Date.now() - t0) / 1000, startedAtMs: t0, dpCpuAtStartSeconds, dpWaitAtStartSeconds, exitCodes: ends.map((e) => e.code) };
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Another build's agent, where the spec names one (it runs on its DP's node: fleet's startAgent). */
function agentBundle(spec: DeploymentSpec): { bundle?: string } {
  return spec.bundles ? { bundle: spec.bundles.agent } : {};
}

/** The untimed warm-up session of `warmDp`: throws when it does not end with every agent at 0. */
async function warmUp(spec: DeploymentSpec, dp: RunningDp, dataDir: string, name: string): Promise<void> {
  const { lan } = spec;
  const warmName = `${name}-warmup`;
  const file = path.join(spec.workDir, `${warmName}.img`);
  await writeImagePrefix(spec.image, file, WARMUP_MIB * 1024 * 1024);
  // A disk's first MiB are no disk whose used blocks could be read: that flag is left out.
  const flags = (spec.imageFlags ?? []).filter((f) => f !== '--used-blocks');
  const add = await dpCli(lan, dp, ['image', 'add', warmName, placeImage(dataDir, file), ...flags]);
  if (add.code !== 0) throw new Error(`warm-up image add failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
  const ends = await Promise.all(
    spec.agents.map((host) => {
      const dir = path.join(spec.workDir, `${host.name}-warmup`);
      mkdirSync(dir, { recursive: true });
      const proc = startAgent(lan, host, dp, { image: warmName, target: path.join(dir, 'disk.img'), stateDir: path.join(dir, 'state'), ...agentBundle(spec) });
      return collect(proc, spec.timeoutMs ?? 600_000);
    }),
  );
  const failed = ends.filter((e) => e.code !== 0);
  if (failed.length > 0) throw new Error(`warm-up session: ${failed.length} of ${ends.length} agents failed (exit ${failed.map((e) => String(e.code)).join(', ')})`);
  for (const host of spec.agents) rmSync(path.join(spec.workDir, `${host.name}-warmup`), { recursive: true, force: true });
}

/** Writes the first `bytes` of `from` (all of it if shorter) to `to`. */
async function writeImagePrefix(from: string, to: string, bytes: number): Promise<void> {
  const src = await open(from, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, (await src.stat()).size));
    await src.read(buf, 0, buf.length, 0);
    await writeFile(to, buf);
  } finally {
    await src.close();
  }
}

/** SIGTERM to the DP (it saves state and stops), then its output. */
export async function stopDp(dp: RunningDp): Promise<Collected> {
  dp.proc.kill('SIGTERM');
  return dp.ended;
}

/** `size`: a target shorter than it (unused chunks at the end never written) counts as zero-padded. */
export async function verifyTargets(agents: readonly AgentRun[], sha256: string, size?: number): Promise<boolean[]> {
  return Promise.all(agents.map(async (a) => (await sha256File(a.target, size).catch(() => '')) === sha256));
}
