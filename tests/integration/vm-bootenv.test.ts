// Proof on virtual machines (issue #25): two qemu VMs (TCG, SeaBIOS and the virtio NIC's own iPXE
// ROM, virtio disk, tap devices in a netlab bridge) power on with empty disks and network-first
// boot order. The DP (`serve --boot --dhcp-range`) is the LAN's DHCP server and boot service; the
// VMs are known machines in one collection with a required deployment. Each VM: firmware -> iPXE
// -> DHCP from the DP -> /boot/ipxe?mac=.. -> the boot environment (castpoint-dp bootenv build) by
// HTTP -> `castpoint-agent run` -> ONE multicast session for both -> reboot -> /boot/ipxe answers
// `exit` -> the firmware boots the written disk, whose own init prints a marker on the console.
// Then the refresh (issue #25's second scenario): VM 1 goes on running its v1 system, the operator
// re-arms it with image v2 through castpoint-dp commands only, presses its reset button, and it
// network-boots the boot environment again, is deployed with v2 and boots marker v2. Meanwhile a
// UEFI VM (q35 + OVMF) with an empty disk, booting the disk first and the network second (the
// order docs/netboot.md recommends for UEFI), fails over to the firmware's own PXE client, gets
// ipxe.efi by TFTP from the DP and the boot environment from /boot/ipxe, is deployed with its own
// image (an EFI system partition with a unified kernel image) and boots it without asking the DP
// again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { describeLan } from '@castpoint/netlab';
import { ensureBootenv, outcomesOf, runVmDeployment, type VmDeploymentResult } from '@castpoint/bench';
import { uefiSupport, vmSupport } from '@castpoint/vmlab';

const root = path.resolve(__dirname, '../..');

function describeVms(name: string, fn: () => void): void {
  const s = vmSupport();
  if (s.ok || process.env['CI'] === 'true') describeLan(name, fn);
  else {
    process.stderr.write(`skipping "${name}": ${s.why ?? 'no qemu'}\n`);
    describe.skip(name, fn);
  }
}

// The UEFI VM needs OVMF and the stub its disk is built with (tools/setup.sh); CI has them.
const uefiOk = uefiSupport();
const withUefi = uefiOk.ok || process.env['CI'] === 'true';
if (!withUefi) process.stderr.write(`skipping the UEFI VM: ${uefiOk.why ?? ''}\n`);

describeVms('VM lab: two VMs network-boot from the DP, are deployed, and boot their disks', () => {
  let work = '';
  let r: VmDeploymentResult | undefined;
  let consoles = '';

  // One run (two VMs, ~2-12 minutes under TCG) serves every check below.
  beforeAll(async () => {
    const bootenv = ensureBootenv(path.join(root, 'node_modules/.cache/castpoint-vmlab/bootenv'), root);
    work = mkdtempSync(path.join(tmpdir(), 'castpoint-vmlab-'));
    r = await runVmDeployment({ vms: 2, workDir: work, bootenv, refresh: true, uefiMachine: withUefi });
    const f = r.refresh;
    consoles = [
      ...r.vms.map((v) => `--- ${v.name} first boot\n${v.consoleFirstBoot}\n--- ${v.name} disk boot\n${v.consoleDiskBoot}`),
      ...(f ? [`--- ${f.name} after the reset (refresh to v2), seconds since the reset\n${f.timings.consoleFirstBoot}\n--- ${f.name} v2 disk boot\n${f.timings.consoleDiskBoot}`] : []),
    ].join('\n');
    const { consoleFirstBoot: _c, consoleDiskBoot: _d, ...refreshTimings } = f?.timings ?? { consoleFirstBoot: '', consoleDiskBoot: '' };
    const { timings: uefiTimings, ...uefiRest } = r.uefi ?? { timings: undefined };
    if (uefiTimings) consoles += `\n--- ${uefiTimings.name} (UEFI) first boot\n${uefiTimings.consoleFirstBoot}\n--- ${uefiTimings.name} (UEFI) disk boot\n${uefiTimings.consoleDiskBoot}`;
    const { consoleFirstBoot: _e, consoleDiskBoot: _f, ...uefiSteps } = uefiTimings ?? { consoleFirstBoot: '', consoleDiskBoot: '' };
    const uefi = { ...uefiRest, timings: uefiSteps };
    process.stdout.write(`${JSON.stringify({ vms: r.vms.map(({ consoleFirstBoot: _a, consoleDiskBoot: _b, ...t }) => t), refresh: { resetAt: f?.resetAtSeconds, ...refreshTimings, history: f?.history }, uefi, wallSeconds: r.wallSeconds, load: loadavg() })}\n`);
    // CASTPOINT_VM_CONSOLES=FILE keeps both consoles and the DP's boot answers for a look afterwards.
    const keep = process.env['CASTPOINT_VM_CONSOLES'];
    if (keep) writeFileSync(keep, `${consoles}\n--- boot scripts\n${JSON.stringify(r.bootScripts)}\n--- sessions\n${JSON.stringify(r.sessions)}\n--- clients\n${JSON.stringify(r.clients)}\n--- DP log\n${r.dpLog}\n`);
  }, 1_200_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes and verifies both empty disks, and each VM boots the disk it wrote (its marker on the console)', () => {
    const seen = r?.vms.map((v) => ({ vm: v.name, agentExit: v.agentExit, marker: v.reachedMarker }));
    const want = r?.vms.map((v) => ({ vm: v.name, agentExit: 0, marker: true }));
    if (JSON.stringify(seen) !== JSON.stringify(want)) process.stderr.write(`${consoles}\n`);
    expect(r?.vms).toHaveLength(2);
    expect(seen).toEqual(want);
  });

  it('network-boots each VM twice: the boot environment first, then `exit` (its disk), as the DP logged', () => {
    // VM 1's refresh boots come after these two (checked below).
    const byVm = r?.vms.map((v) => ({ vm: v.name, scripts: outcomesOf(r?.bootScripts ?? [], v.mac).slice(0, 2) }));
    expect(byVm).toEqual(r?.vms.map((v) => ({ vm: v.name, scripts: ['bootenv', 'exit'] })));
    expect(outcomesOf(r?.bootScripts ?? [], r?.vms[1]?.mac ?? '')).toEqual(['bootenv', 'exit']);
  });

  it('carries the image to both VMs in ONE multicast session', () => {
    // Fails on a loaded 2-core box: the TCG agents are dropped or left behind and finish by
    // unicast (docs/netboot.md, timings); the sessions and clients below say how.
    if (r?.sessions.length !== 1) process.stderr.write(`--- sessions\n${JSON.stringify(r?.sessions, null, 1)}\n--- clients\n${JSON.stringify(r?.clients, null, 1)}\n${consoles}\n`);
    expect(r?.sessions.length).toBe(1);
    expect(r?.clients.filter((c) => c['image'] === 'vmdisk').every((c) => c['fallback'] !== true)).toBe(true);
  });

  it('refresh: re-armed with v2 by the CLI and reset, VM 1 is deployed again and boots marker v2, never v1 again', () => {
    const f = r?.refresh;
    const seen = { agentExit: f?.timings.agentExit, markerV2: f?.timings.reachedMarker, markerV1AfterReset: f?.oldMarkerAfterReset };
    if (!seen.markerV2 || seen.markerV1AfterReset !== false) process.stderr.write(`${consoles}\n`);
    expect(f?.commands).toEqual([
      `castpoint-dp image add vmdisk-v2 ${path.join(work, 'dp-data/images/vmdisk-v2.img')}`,
      'castpoint-dp collection add vm1-vmdisk-v2 --rule mac:52:54:00:c9:00:01',
      'castpoint-dp deployment add vm1-vmdisk-v2 --image vmdisk-v2 --collection vm1-vmdisk-v2 --purpose required --after reboot',
    ]);
    expect(seen).toEqual({ agentExit: 0, markerV2: true, markerV1AfterReset: false });
  });

  it('refresh: the DP answered VM 1 bootenv, exit, then after the reset bootenv, exit; its history has the two successful attempts', () => {
    const vm1 = r?.vms[0];
    expect(outcomesOf(r?.bootScripts ?? [], vm1?.mac ?? '')).toEqual(['bootenv', 'exit', 'bootenv', 'exit']);
    expect(r?.refresh?.history.map((h) => ({ deployment: h.deployment, image: h.image, result: h.result }))).toEqual([
      { deployment: 'vmlab', image: 'vmdisk', result: 'ok' },
      { deployment: 'vm1-vmdisk-v2', image: 'vmdisk-v2', result: 'ok' },
    ]);
  });

  (withUefi ? it : it.skip)('UEFI, disk first: the empty disk fails over to OVMF\'s own PXE client (arch 7), which gets ipxe.efi by TFTP; iPXE gets the script URL and the boot environment', () => {
    const u = r?.uefi;
    if (u?.toScript === undefined) process.stderr.write(`${consoles}\n`);
    // The firmware's PXE client, then iPXE (user class iPXE): each a lease offer and ack (the boot
    // environment's own DHCP client comes after them).
    expect(u?.dhcp.slice(0, 4).map((d) => ({ what: d.what, arch: d.arch, ipxe: d.ipxe, file: d.file?.replace(/\?.*$/, '?...') ?? null }))).toEqual([
      { what: 'lease-offer', arch: 'efi-x64', ipxe: false, file: 'ipxe.efi' },
      { what: 'lease-ack', arch: 'efi-x64', ipxe: false, file: 'ipxe.efi' },
      { what: 'lease-offer', arch: 'efi-x64', ipxe: true, file: 'http://10.78.0.1:8080/boot/ipxe?...' },
      { what: 'lease-ack', arch: 'efi-x64', ipxe: true, file: 'http://10.78.0.1:8080/boot/ipxe?...' },
    ]);
    expect(u?.tftp.map((t) => t.file)).toContain('ipxe.efi');
    expect(u?.toScript).toBeGreaterThan(u?.toIpxe ?? Infinity);
  });

  (withUefi ? it : it.skip)('UEFI, disk first: deployed (one session), it reboots and boots the disk it wrote; the DP answered it once (bootenv), the written disk booted without asking', () => {
    const u = r?.uefi;
    // Not checked: whether the transfer ended by unicast fallback. It runs beside vm1's refresh,
    // and at load 8 the DP moved the emulated agent to unicast as a slow receiver (as the refresh's
    // v2 transfer may be); at load 2 it stayed in the session. The image still came whole.
    const seen = { agentExit: u?.timings.agentExit, marker: u?.timings.reachedMarker, scripts: u?.scripts, sessions: u?.sessions.length };
    if (!seen.marker) process.stderr.write(`${consoles}\n`);
    expect(seen).toEqual({ agentExit: 0, marker: true, scripts: ['bootenv'], sessions: 1 });
  });
});
