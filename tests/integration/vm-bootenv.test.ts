// Proof on virtual machines (issue #25): two qemu VMs (TCG, virtio disk and NIC on tap devices in
// a netlab bridge) with empty disks boot the castpoint boot environment (castpoint-dp bootenv
// build), join ONE multicast session, write and verify their disks, power off, and boot the
// written disk, whose own init prints a marker on the serial console.
//
// Until the DP's PXE boot service lands, the VMs start the boot environment by qemu's direct
// kernel boot (-kernel/-initrd/-append) and get their address from busybox udhcpd in the server
// namespace; the firmware's network boot is the part this does not cover yet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeLan } from '@castpoint/netlab';
import { ensureBootenv, runVmDeployment, type VmDeploymentResult } from '@castpoint/bench';
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

describeVms('VM lab: two VMs deployed through the boot environment', () => {
  let work = '';
  let r: VmDeploymentResult | undefined;
  let consoles = '';

  // One run (two VMs, ~3-12 minutes under TCG) serves both checks below.
  beforeAll(async () => {
    const bootenv = ensureBootenv(path.join(root, 'node_modules/.cache/castpoint-vmlab/bootenv'), root);
    work = mkdtempSync(path.join(tmpdir(), 'castpoint-vmlab-'));
    r = await runVmDeployment({ vms: 2, workDir: work, bootenv });
    consoles = r.vms.map((v) => `--- ${v.name} first boot\n${v.consoleFirstBoot}\n--- ${v.name} disk boot\n${v.consoleDiskBoot}`).join('\n');
    process.stdout.write(`${JSON.stringify(r.vms.map(({ consoleFirstBoot: _a, consoleDiskBoot: _b, ...t }) => t))}\n`);
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

  it('carries the image to both VMs in ONE multicast session', () => {
    // Fails on a loaded 2-core box: the TCG agents are dropped or left behind and finish by
    // unicast (docs/netboot.md, timings); the sessions and clients below say how.
    if (r?.sessions.length !== 1) process.stderr.write(`--- sessions\n${JSON.stringify(r?.sessions, null, 1)}\n--- clients\n${JSON.stringify(r?.clients, null, 1)}\n${consoles}\n`);
    expect(r?.sessions.length).toBe(1);
    expect(r?.clients.every((c) => c['fallback'] !== true)).toBe(true);
  });
});
