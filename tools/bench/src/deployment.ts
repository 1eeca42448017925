import { mkdirSync } from 'node:fs';
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
  readonly bundles?: { readonly dp: string; readonly agent: string };
}

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
  const dp = await startDp(lan, lan.server, { dataDir, ...(spec.maxRate ? { maxRate: spec.maxRate } : {}), ...(spec.bundles ? { bundle: spec.bundles.dp } : {}) });
  const add = await dpCli(lan, dp, ['image', 'add', name, image, ...(spec.imageFlags ?? [])]);
  if (add.code !== 0) throw new Error(`image add failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
  const dpCpuAtStartSeconds = dp.proc.pid ? processCpuSeconds(dp.proc.pid) : NaN;
  const dpWaitAtStartSeconds = dp.proc.pid ? runQueueWaitSeconds(dp.proc.pid) : NaN;
  const t0 = Date.now();
  const agents: AgentRun[] = spec.agents.map((host) => {
    const dir = path.join(spec.workDir, host.name);
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'disk.img');
    const proc = startAgent(lan, host, dp, { image: name, target, stateDir: path.join(dir, 'state'), ...(spec.bundles ? { bundle: spec.bundles.agent } : {}) });
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

/** SIGTERM to the DP (it saves state and stops), then its output. */
export async function stopDp(dp: RunningDp): Promise<Collected> {
  dp.proc.kill('SIGTERM');
  return dp.ended;
}

/** `size`: a target shorter than it (unused chunks at the end never written) counts as zero-padded. */
export async function verifyTargets(agents: readonly AgentRun[], sha256: string, size?: number): Promise<boolean[]> {
  return Promise.all(agents.map(async (a) => (await sha256File(a.target, size).catch(() => '')) === sha256));
}
