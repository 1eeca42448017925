// `npm run demo`: where qemu and root are available, 3 qemu VMs network-boot from a DP, are
// deployed over one multicast session and boot their written disks (demo-vms.ts); elsewhere, or
// with `--agents`, a real castpoint deployment in a private namespace LAN on a generated image:
// a DP and 3 agents (one behind 2% loss); live progress; verified targets; a summary; tear-down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleInterrupts, Lan, onInterrupt, probeSupport, spawnLight, type Host } from '@castpoint/netlab';
import { uefiSupport, vmSupport } from '@castpoint/vmlab';
import { lightFabric, type Fabric } from './fabric';
import { runDeployment, stopDp, verifyTargets, type AgentRun } from './deployment';
import { writeSampleImage } from './sample-image';
import { formatMB } from './units';
import { runVmDemo } from './demo-vms';

const MiB = 1024 * 1024;
/** Image bytes per data packet (the DP's default symbol size): repaired symbols x this = repair bytes. */
const SYMBOL_BYTES = 1400;

function progressLine(agents: readonly AgentRun[]): string {
  return agents
    .map((a) => {
      const l = a.last;
      if (!l) return `${a.host.name}: starting`;
      return `${a.host.name}: ${l.percent.toFixed(0).padStart(3)}% ${formatMB(l.rateBps)}/s ${l.state}`;
    })
    .join(' | ');
}

async function runDemo(fabric: Fabric, lossy: Host | undefined, note: string): Promise<number> {
  const sizeMiB = Number(process.env['CASTPOINT_DEMO_MIB'] ?? '256');
  const work = mkdtempSync(path.join(tmpdir(), 'castpoint-demo-'));
  onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  let dpStop: (() => Promise<unknown>) | undefined;
  try {
    console.log(note);
    const img = await writeSampleImage(path.join(work, 'sample-disk.img'), { size: sizeMiB * MiB, seed: 1 });
    console.log(`sample image: ${formatMB(img.size)} (${formatMB(img.dataBytes)} data, the rest zero regions), sha256 ${img.sha256.slice(0, 16)}...`);
    const result = await runDeployment({
      lan: fabric,
      workDir: work,
      image: img.path,
      agents: fabric.clients,
      // A scheduled session for the whole group, as an admin would set one up for a lab: it starts
      // when all 3 agents have asked (never more than 60 s after the first), so all get one pass.
      imageFlags: ['--mode', 'scheduled', '--min-clients', String(fabric.clients.length), '--max-wait', '60'],
      onProgress: (agents) => console.log(progressLine(agents)),
    });
    dpStop = () => stopDp(result.dp);
    const ok = await verifyTargets(result.agents, img.sha256);
    console.log('');
    console.log('agent     loss  exit  seconds   MB/s  repaired symbols  repair overhead  cpu s  verified');
    result.agents.forEach((a, i) => {
      const secs = ((a.endedAtMs ?? Date.now()) - result.startedAtMs) / 1000;
      const loss = a.host === lossy ? '2%' : '0%';
      console.log(
        `${a.host.name.padEnd(9)} ${loss.padStart(4)}  ${String(result.exitCodes[i]).padStart(4)}  ${secs.toFixed(2).padStart(7)}  ${(img.dataBytes / 1e6 / secs).toFixed(1).padStart(5)}  ${String(a.last?.repairedSymbols ?? 0).padStart(16)}  ${`${(((a.last?.repairedSymbols ?? 0) * SYMBOL_BYTES * 100) / img.dataBytes).toFixed(1)}%`.padStart(15)}  ${(a.last?.cpuSeconds ?? NaN).toFixed(2).padStart(5)}  ${ok[i] ? 'yes' : 'NO'}`,
      );
    });
    const allOk = ok.every(Boolean) && result.exitCodes.every((c) => c === 0);
    console.log(`\n${allOk ? 'Deployment complete' : 'Deployment FAILED'}: ${result.agents.length} agents in ${result.wallSeconds.toFixed(2)} s, ${(img.dataBytes / 1e6 / result.wallSeconds).toFixed(1)} MB/s of image data per agent.`);
    console.log(JSON.stringify({ demo: 'castpoint', ok: allOk, seconds: result.wallSeconds, imageBytes: img.size, dataBytes: img.dataBytes, agents: result.agents.map((a, i) => ({ host: a.host.name, exit: result.exitCodes[i], verified: ok[i], repairedSymbols: a.last?.repairedSymbols ?? 0, cpuSeconds: a.last?.cpuSeconds ?? null })) }));
    return allOk ? 0 : 1;
  } finally {
    await dpStop?.();
    rmSync(work, { recursive: true, force: true });
  }
}

const USAGE = 'usage: npm run demo [-- --vms N [--http | --uefi] | --agents]   (default: 3 qemu VMs network-boot from the DP, are deployed by multicast and boot their written disks, where qemu and root are available, else --agents; --vms N: N VMs, 1-8; --http: the baseline, each VM downloads the image by plain HTTP from the DP instead; --uefi: UEFI VMs (OVMF, the disk first and the network second: the empty disk fails over to PXE, ipxe.efi by TFTP; the written disk has an EFI system partition); --agents: the DP and 3 agents in a namespace LAN, CASTPOINT_DEMO_MIB=N sets its image size, default 256)';

/** Why the VM demo cannot run here (no namespace LAN, no qemu, a missing package), or undefined. */
function whyNoVms(): string | undefined {
  const lan = probeSupport();
  if (!lan.lan) return lan.why ?? 'no namespace LAN';
  const vm = vmSupport();
  return vm.ok ? undefined : (vm.why ?? 'no qemu');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === '--vms' && (args.length === 2 || (args.length === 3 && (args[2] === '--http' || args[2] === '--uefi')))) {
    const n = Number(args[1]);
    if (!Number.isInteger(n) || n < 1 || n > 8) {
      console.error(`--vms takes a number of VMs from 1 to 8, got ${String(args[1])}`);
      return 2;
    }
    handleInterrupts();
    if (args[2] === '--uefi') {
      const why = uefiSupport();
      if (!why.ok) {
        console.error(`cannot run UEFI VMs here: ${why.why ?? ''}`);
        return 1;
      }
    }
    return runVmDemo(n, args[2] === '--http' ? 'http' : 'castpoint', args[2] === '--uefi' ? 'uefi' : 'bios');
  }
  if (args.length > 0 && !(args.length === 1 && args[0] === '--agents')) {
    const help = args.includes('--help');
    console.error(help ? USAGE : `the demo takes only --vms N [--http | --uefi] or --agents, got ${args.join(' ')}\n${USAGE}`);
    return help ? 0 : 2;
  }
  // The main job is the whole path on VMs (firmware network boot to the written disk) wherever
  // this machine can run them; elsewhere the agents' demo, saying why.
  if (args.length === 0 && process.env['CASTPOINT_DEMO_LIGHT'] !== '1') {
    const why = whyNoVms();
    if (why === undefined) {
      handleInterrupts();
      return runVmDemo(3);
    }
    console.log(`no VM demo here (${why}): running the agents' demo instead (npm run demo -- --agents).`);
  }
  // Before any LAN or process: an interrupted demo tears them down (and its temp dir) on the way out.
  handleInterrupts();
  if (process.env['CASTPOINT_DEMO_LIGHT'] === '1') {
    return runDemo(lightFabric(3), undefined, 'light mode: one private namespace, DP and 3 agents on lo (no per-host loss here)');
  }
  const support = probeSupport();
  if (!support.lan) {
    if (!support.light) {
      console.error(`cannot build a private network here: ${support.why ?? ''}, and user namespaces are not available either.`);
      return 1;
    }
    console.log(`no namespace LAN (${support.why ?? ''}): falling back to light mode (unshare -rn).`);
    const child = spawnLight(process.execPath, [__filename], { stdio: 'inherit', env: { ...process.env, CASTPOINT_DEMO_LIGHT: '1' } });
    // The light-mode demo cleans up after itself when signalled (its fabric kills what it started).
    onInterrupt(() => child.kill('SIGTERM'));
    return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }
  const lan = Lan.create({ clients: 3 });
  try {
    const lossy = lan.clients[2];
    if (lossy) lan.setLoss(lossy, 0.02);
    return await runDemo(lan, lossy, `LAN ${lan.prefix}: server ${lan.server.ip}, clients ${lan.clients.map((c) => c.ip).join(', ')} (2% loss on ${lossy?.name ?? '-'})`);
  } finally {
    lan.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
