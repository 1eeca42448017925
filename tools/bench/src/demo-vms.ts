// `npm run demo -- --vms N`: N qemu VMs with empty disks boot the castpoint boot environment, get
// the same image over one multicast session, and boot what was written (tools/vmlab). Prints each
// VM's console progress, a per-VM table, then one JSON line last.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { onInterrupt, probeSupport } from '@castpoint/netlab';
import { vmSupport } from '@castpoint/vmlab';
import { ensureBootenv, runVmDeployment, type VmTimings } from './vm-deployment';

/** The demo's last line (issue #25's shape). */
export interface VmDemoSummary {
  readonly demo: 'vms';
  readonly ok: boolean;
  readonly vms: ReadonlyArray<{ name: string; reachedMarker: boolean; seconds: number | null }>;
  readonly multicastSessions: number;
}

/**
 * The summary: ok when every VM ran its agent to the end and booted its written disk, having
 * network-booted into the boot environment and then been told `exit` (network first; `bootenv`
 * only, `wantScripts`, when the disk comes first and the written disk boots without asking), over
 * `wantSessions` multicast sessions (1; 0 for the HTTP baseline), none of them finishing by the
 * agent's unicast fallback (the image went by multicast, or the demo did not show what it says).
 */
export function vmDemoSummary(vms: readonly VmTimings[], sessions: number, wantSessions = 1, unicastFallbacks = 0, wantScripts: readonly string[] = ['bootenv', 'exit']): VmDemoSummary {
  const netbootOk = (v: VmTimings): boolean => v.bootScripts === undefined || v.bootScripts.join(',') === wantScripts.join(',');
  const ok = vms.length > 0 && vms.every((v) => v.reachedMarker && v.agentExit === 0 && netbootOk(v)) && sessions === wantSessions && unicastFallbacks === 0;
  return { demo: 'vms', ok, vms: vms.map((v) => ({ name: v.name, reachedMarker: v.reachedMarker, seconds: v.total ?? null })), multicastSessions: sessions };
}

const s = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1)).padStart(8);

export function vmTable(vms: readonly VmTimings[]): string {
  const head = 'vm    power-on->agent  transfer  verify  reboot->marker    total  marker  network boots';
  const rows = vms.map((v) => `${v.name.padEnd(5)} ${s(v.toAgentStart).padStart(16)} ${s(v.transfer).padStart(9)} ${s(v.verify).padStart(7)} ${s(v.rebootToMarker).padStart(15)} ${s(v.total)}  ${(v.reachedMarker ? 'yes' : 'NO').padEnd(6)}  ${v.bootScripts === undefined ? '-' : v.bootScripts.join(' then ') || 'none'}`);
  return [head, ...rows, '(seconds; network boots: what the DP\'s /boot/ipxe answered the VM, in order)'].join('\n');
}

/**
 * Progress lines worth showing live: the firmware's and the boot environment's steps, the DP's
 * answer to iPXE, the marker, and the agent's state changes.
 */
function interesting(text: string, lastState: Map<string, string>, vm: string): string | undefined {
  if (/castpoint\[|castpoint-vmlab-marker|^SeaBIOS|^SYSLINUX \d|^castpoint: |^Booting from Hard Disk|^net0: \d|^BdsDxe: (loading|starting)|^>>Start PXE|^iPXE initialising|^EFI stub:/.test(text)) return text;
  if (/^Booting from ROM/.test(text)) return 'iPXE (the NIC\'s boot ROM) asks DHCP...';
  const m = /"state":"(\w+)"(?:.*?"percent":([\d.]+))?/.exec(text);
  if (!m?.[1]) return undefined;
  if (lastState.get(vm) === m[1]) return undefined;
  lastState.set(vm, m[1]);
  return `agent ${m[1]}${m[2] === undefined ? '' : ` (${Number(m[2]).toFixed(0)}%)`}`;
}

export async function runVmDemo(vms: number, transport: 'castpoint' | 'http' = 'castpoint', firmware: 'bios' | 'uefi' = 'bios'): Promise<number> {
  const lan = probeSupport();
  const vm = vmSupport();
  if (!lan.lan || !vm.ok) {
    console.error(`cannot run VMs here: ${lan.lan ? (vm.why ?? '') : (lan.why ?? '')}`);
    return 1;
  }
  const root = path.resolve(__dirname, '../../..');
  console.log('boot environment: building or reusing node_modules/.cache/castpoint-vmlab/bootenv ...');
  const bootenv = ensureBootenv(path.join(root, 'node_modules/.cache/castpoint-vmlab/bootenv'), root);
  const work = mkdtempSync(path.join(tmpdir(), 'castpoint-demo-vms-'));
  const forget = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  const lastState = new Map<string, string>();
  try {
    const http = transport === 'http';
    console.log(
      http
        ? `${vms} VMs (qemu TCG, virtio disk and NIC on a netlab bridge) start the boot environment by direct kernel boot; each downloads the image by plain HTTP from the DP (the baseline)`
        : firmware === 'uefi'
          ? `${vms} UEFI VMs (qemu TCG, q35 + OVMF, the disk first and the firmware's own PXE client second, virtio disk and NIC on a netlab bridge): the empty disks fail over to the network, boot from the DP (its DHCP, ipxe.efi by TFTP, /boot/ipxe, the boot environment), one required deployment, one scheduled multicast session, then boot the written disk (an EFI system partition) first`
          : `${vms} VMs (qemu TCG, SeaBIOS and the NIC's iPXE ROM, virtio disk and NIC on a netlab bridge) network-boot from the DP (its DHCP, /boot/ipxe, the boot environment), one required deployment, one scheduled multicast session`,
    );
    const r = await runVmDeployment({
      vms,
      workDir: work,
      bootenv,
      ...(http ? { boot: 'direct' as const, transport: 'http' as const } : {}),
      ...(firmware === 'uefi' ? { firmware } : {}),
      onLine: (name, line) => {
        const shown = interesting(line.text, lastState, name);
        if (shown) console.log(`${name} [${line.t.toFixed(1).padStart(5)}] ${shown}`);
      },
    });
    // CASTPOINT_VM_CONSOLES=FILE keeps every VM's whole console, as the VM test does.
    const keep = process.env['CASTPOINT_VM_CONSOLES'];
    if (keep) writeFileSync(keep, r.vms.map((v) => `--- ${v.name} first boot\n${v.consoleFirstBoot}\n--- ${v.name} disk boot\n${v.consoleDiskBoot}`).join('\n') + `\n--- DP log\n${r.dpLog}\n`);
    // A VM that did not get to its marker: its console's last lines say where it stopped.
    for (const v of r.vms.filter((x) => !x.reachedMarker)) {
      const tail = `${v.consoleFirstBoot}\n${v.consoleDiskBoot}`.trim().split('\n').slice(-20).join('\n');
      console.log(`\n--- ${v.name}: no marker; the last lines of its console\n${tail}`);
    }
    console.log('');
    console.log(vmTable(r.vms));
    const fallbacks = r.clients.filter((c) => c['fallback'] === true).length;
    if (fallbacks > 0) console.log(`${fallbacks} of ${vms} VMs finished by unicast fallback (the DP moved them out of the multicast session as slow receivers)`);
    // UEFI VMs boot disk first: the DP sees only the first boot (vm-deployment.ts).
    const summary = vmDemoSummary(r.vms, r.sessions.length, http ? 0 : 1, fallbacks, firmware === 'uefi' ? ['bootenv'] : ['bootenv', 'exit']);
    console.log(`\n${summary.ok ? 'All VMs booted their written disks' : 'VM deployment FAILED'}: image ${(r.imageBytes / 1e6).toFixed(1)} MB, ${r.sessions.length} multicast session(s), ${r.wallSeconds.toFixed(1)} s in all; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
    console.log(JSON.stringify(summary));
    return summary.ok ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
    forget();
  }
}
