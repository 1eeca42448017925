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
import { ensureBootenv, runVmDeployment } from '@castpoint/bench';
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

describeVms('VM lab: two VMs deployed by one multicast session', () => {
  it('boots the boot environment, writes both disks over one session, and each boots its written disk', async () => {
    const bootenv = ensureBootenv(path.join(root, 'node_modules/.cache/castpoint-vmlab/bootenv'), root);
    const work = mkdtempSync(path.join(tmpdir(), 'castpoint-vmlab-'));
    try {
      const r = await runVmDeployment({ vms: 2, workDir: work, bootenv });
      const seen = { vms: r.vms.map((v) => ({ vm: v.name, agentExit: v.agentExit, marker: v.reachedMarker })), multicastSessions: r.sessions.length };
      const want = { vms: r.vms.map((v) => ({ vm: v.name, agentExit: 0, marker: true })), multicastSessions: 1 };
      if (JSON.stringify(seen) !== JSON.stringify(want)) {
        const consoles = r.vms.map((v) => `--- ${v.name} first boot\n${v.consoleFirstBoot}\n--- ${v.name} disk boot\n${v.consoleDiskBoot}`).join('\n');
        process.stderr.write(`${consoles}\n--- sessions\n${JSON.stringify(r.sessions, null, 1)}\n--- clients\n${JSON.stringify(r.clients, null, 1)}\n`);
      }
      // Both VMs booted the disk they wrote, and ONE multicast session carried the image to both.
      expect(seen).toEqual(want);
      process.stdout.write(`${JSON.stringify(r.vms.map(({ consoleFirstBoot: _a, consoleDiskBoot: _b, ...t }) => t))}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 900_000);
});
