import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Lan } from '@castpoint/netlab';
import { cryptoEnginesText } from './agent-notes';
import { loopLagText, scrapeLoopLag } from './loop-lag';
import { runDeployment, stopDp, verifyTargets } from './deployment';
import { dpCli } from './fleet';
import { phasesText, sessionPhases } from './session-phases';
import { expectedTargetSha256 } from './used-blocks-target';
import { processCpuSeconds, runQueueWaitSeconds, txBytes } from './measure';
import type { TransferResult, TransferSpec } from './peers';
import { runtimeVersion, type CastpointBuild } from './castpoint-build';

/** The image's name on the bench's DP (its sessions are looked up by it). */
const IMAGE = 'bench';

/**
 * castpoint: a DP on the server host and one agent per receiver. The DP's rate cap is set a
 * little under a shaped link (as the peers' are) and to 1 Gbit/s unshaped. The clock runs from
 * the agents' start (the image is already imported, as the peers' file already exists) until
 * every agent has exited 0 with a verified, fsynced image. `build` picks the bundles (castpoint-build.ts).
 */
export async function runCastpoint(spec: TransferSpec & { lan: Lan }, build?: CastpointBuild): Promise<TransferResult> {
  const { lan } = spec;
  // castpoint+default-cap: no --max-rate at all, the DP's default (1 Gbit/s) over any link.
  const maxRate = build?.defaultCap ? undefined : spec.linkBps ? `${Math.floor((spec.linkBps * 0.95) / 1e6)}mbit` : '1gbit';
  const dataDir = path.join(spec.workDir, 'dp');
  let dpToStop: Parameters<typeof stopDp>[0] | undefined;
  try {
    // Counted from the clock's start: a warm-up session's bytes are not the timed session's.
    let before = NaN;
    // The image flags of the bench image (--used-blocks ...) and of the tool (+encrypt).
    const imageExtra = [...(spec.castpointImageFlags ?? []), ...(build?.encrypt ? ['--encrypt'] : [])];
    const result = await runDeployment({
      lan,
      imageName: IMAGE,
      workDir: spec.workDir,
      image: spec.image,
      agents: spec.receivers,
      ...(maxRate ? { maxRate } : {}),
      // Like udpcast's --min-receivers N: start once every receiver asked, all in one pass.
      imageFlags: ['--mode', 'scheduled', '--min-clients', String(spec.receivers.length), ...imageExtra],
      ...(build ? { bundles: { dp: build.dp, agent: build.agent, ...(build.node ? { node: build.node } : {}) } } : {}),
      ...(build?.warmDp ? { warmDp: true } : {}),
      beforeClock: async (dp) => {
        before = await txBytes(lan, lan.server);
        // Starts the DP's event-loop-delay histogram again: the scrape after the run covers it.
        await scrapeLoopLag(lan, dp);
      },
      ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
    });
    dpToStop = result.dp;
    // The DP's CPU during the transfer only: its start and the image import came before the clock.
    const pid = result.dp.proc.pid;
    const cpu = pid ? processCpuSeconds(pid) - result.dpCpuAtStartSeconds : NaN;
    // On a box the DP shares with its agents, the time its sending thread waited for a core is
    // the first thing to look at when castpoint runs slower than its pacing (docs/benchmarks.md).
    const waited = pid ? runQueueWaitSeconds(pid) - result.dpWaitAtStartSeconds : NaN;
    const bytesSent = (await txBytes(lan, lan.server)) - before;
    const lag = await scrapeLoopLag(lan, result.dp);
    // Where the wall time went (docs/benchmarks.md: the runs' spread was not in the transfer).
    const listed = await dpCli(lan, result.dp, ['session', 'list', '--json']).catch(() => undefined);
    const phases = sessionPhases(listed?.code === 0 ? (JSON.parse(listed.stdout || '[]') as Array<Record<string, unknown>>) : [], IMAGE, result.startedAtMs, result.wallSeconds);
    // Unused chunks are never written: each target must equal the image with them zeroed (a new
    // target file's holes), which the manifest the DP made says.
    const want = spec.castpointImageFlags?.includes('--used-blocks') ? await expectedTargetSha256(lan, result.dp, path.join(spec.workDir, 'dp-data'), spec.image) : spec.imageSha256;
    const ok = await verifyTargets(result.agents, want, statSync(spec.image).size);
    // The agents' own figure from their last JSON line (the DP's is `senderCpuSeconds`).
    const agentCpu = result.agents.map((a) => a.last?.cpuSeconds ?? NaN);
    const meanAgentCpu = agentCpu.reduce((sum, c) => sum + c, 0) / agentCpu.length;
    const cryptoText = cryptoEnginesText(await Promise.all(result.agents.map((a) => a.ended.then((c) => c.stderr, () => ''))));
    return {
      tool: build?.tool ?? 'castpoint',
      wallSeconds: result.wallSeconds,
      senderCpuSeconds: cpu,
      receiverCpuSeconds: agentCpu,
      bytesSent,
      verified: ok.every(Boolean) && result.exitCodes.every((c) => c === 0),
      flags: `${runtimeVersion(build?.node)}; castpoint-dp ${maxRate ? `--max-rate ${maxRate}` : '(default cap)'}${build?.warmDp ? ', after an untimed warm-up session' : ''}; image add --mode scheduled --min-clients N ${imageExtra.join(' ')}; agents ${meanAgentCpu.toFixed(2)} CPU s each; ${cryptoText}; DP waited ${waited.toFixed(2)} s for a CPU; ${loopLagText(lag)}; ${phasesText(phases)}`,
      phases: phasesText(phases),
    };
  } finally {
    if (dpToStop) await stopDp(dpToStop);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

