// Proof on virtual machines (issue #25): two qemu VMs (TCG, SeaBIOS and the virtio NIC's own iPXE
// ROM, virtio disk, tap devices in a netlab bridge) power on with empty disks and network-first
// boot order. The DP (`serve --boot --dhcp-range`) is the LAN's DHCP server and boot service; the
// VMs are known machines in one collection with a required deployment. Each VM: firmware -> iPXE
// -> DHCP from the DP -> /boot/ipxe?mac=.. -> the boot environment (castpoint-dp bootenv build) by
// HTTP -> `castpoint-agent run` -> ONE multicast session for both -> reboot -> /boot/ipxe answers
// `exit` -> the firmware boots the written disk, whose own init prints a marker on the console.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeLan } from '@castpoint/netlab';
import { ensureBootenv, outcomesOf, runVmDeployment, type VmDeploymentResult } from '@castpoint/bench';
import { vmSupport } from '@castpoint/vmlab';

const root = path.resolve(__dirname, '../..');

function describeVms(name: string, fn: () => void): void {
  const s = vmSupport();
  if (s.ok || process.env['CI'] === 'true') describeLan(name, fn);
  else {
    process.stderr.write(`skipping "${name}": ${s.why ?? 'no qemu'}\n`);
    describe.skip(name, fn);
  }
}

describeVms('VM lab: two VMs network-boot from the DP, are deployed, and boot their disks', () => {
  let work = '';
  let r: VmDeploymentResult | undefined;
  let consoles = '';

  // One run (two VMs, ~2-12 minutes under TCG) serves every check below.
  beforeAll(async () => {
    const bootenv = ensureBootenv(path.join(root, 'node_modules/.cache/castpoint-vmlab/bootenv'), root);
    work = mkdtempSync(path.join(tmpdir(), 'castpoint-vmlab-'));
    r = await runVmDeployment({ vms: 2, workDir: work, bootenv });
    consoles = r.vms.map((v) => `--- ${v.name} first boot\n${v.consoleFirstBoot}\n--- ${v.name} disk boot\n${v.consoleDiskBoot}`).join('\n');
    process.stdout.write(`${JSON.stringify(r.vms.map(({ consoleFirstBoot: _a, consoleDiskBoot: _b, ...t }) => t))}\n`);
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
    const byVm = r?.vms.map((v) => ({ vm: v.name, scripts: outcomesOf(r?.bootScripts ?? [], v.mac) }));
    expect(byVm).toEqual(r?.vms.map((v) => ({ vm: v.name, scripts: ['bootenv', 'exit'] })));
  });

  it('carries the image to both VMs in ONE multicast session', () => {
    // Fails on a loaded 2-core box: the TCG agents are dropped or left behind and finish by
    // unicast (docs/netboot.md, timings); the sessions and clients below say how.
    if (r?.sessions.length !== 1) process.stderr.write(`--- sessions\n${JSON.stringify(r?.sessions, null, 1)}\n--- clients\n${JSON.stringify(r?.clients, null, 1)}\n${consoles}\n`);
    expect(r?.sessions.length).toBe(1);
    expect(r?.clients.every((c) => c['fallback'] !== true)).toBe(true);
  });
});
