// Issue 24 end to end: machines in a collection are deployed by `castpoint-agent run` with no image
// named on the agent's side. Built castpoint-dp and castpoint-agent processes in a namespace LAN
// (three client hosts, each its own MAC; the SMBIOS UUID is the same in every namespace), loop
// devices standing for their disks. Every deployment's after-action is `none`: nothing reboots.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { appBundles, dpCli } from '@castpoint/bench';
import { collect, describeLan, waitForLine, type Collected, type Host } from '@castpoint/netlab';
import { clientOf, lanWithImage, readDevice, requireBuilt, tearDown, type Ctx } from './e2e-helpers';

const MiB = 1024 * 1024;
const DISK_BYTES = 16 * MiB;
/** What every disk holds before the test: a deployed disk differs, an untouched one does not. */
const FILL = 0x5a;

interface Disk {
  file: string;
  dev: string;
}

/** A sparse file filled with FILL, attached as a loop device. */
function loopDisk(work: string, name: string): Disk {
  const file = path.join(work, `${name}.disk`);
  writeFileSync(file, Buffer.alloc(DISK_BYTES, FILL));
  const dev = execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
  return { file, dev };
}

function refill(dev: string): void {
  const fd = openSync(dev, 'r+');
  try {
    writeSync(fd, Buffer.alloc(DISK_BYTES, FILL), 0, DISK_BYTES, 0);
  } finally {
    closeSync(fd);
  }
}

const SCRIPT_PORT = 8099;
/** A web server (run in the DP's namespace, argv[1] its address) serving one failing script. */
const SCRIPT_SERVER = `
const script = '#!/bin/sh\\necho "configuring $SITE on $CASTPOINT_DISK"\\nexit 3\\n';
require('node:http').createServer((req, res) => {
  if (req.url !== '/post.sh') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/x-sh' });
  res.end(script);
}).listen(${SCRIPT_PORT}, process.argv[1], () => console.log('listening'));
`;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describeLan('castpoint-agent run (issue 24)', () => {
  requireBuilt();
  let c: Ctx | undefined;
  const disks: Disk[] = [];
  afterAll(async () => {
    for (const d of disks) {
      try {
        execFileSync('losetup', ['-d', d.dev]);
      } catch {
        // already detached
      }
      rmSync(d.file, { force: true });
    }
    await tearDown(c);
  });

  it('deploys the collection\'s two machines with no image named, tells the third "nothing" (exit 8, disk untouched), deploys one again after rerun, history shows it all; a failing post-deploy script is exit 9 with its output in history', async () => {
    c = await lanWithImage({ clients: 3, sizeMiB: 4, seed: 24, full: true, maxRate: '200mbit' });
    const ctx = c;
    const hosts = [0, 1, 2].map((i) => clientOf(ctx, i));
    for (const h of hosts) disks.push(loopDisk(ctx.work, h.name));
    const mac = async (h: Host): Promise<string> => (await collect(ctx.lan.spawn(h, 'cat', ['/sys/class/net/eth0/address']), 10_000)).stdout.trim();
    const macs = await Promise.all(hosts.map(mac));
    expect(new Set(macs).size).toBe(3);
    const admin = async (...args: string[]): Promise<Collected> => {
      const r = await dpCli(ctx.lan, ctx.dp, args);
      if (r.code !== 0) throw new Error(`castpoint-dp ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}${r.stdout}`);
      return r;
    };
    const names = ['pc-a', 'pc-b', 'pc-c'];
    for (const [i, name] of names.entries()) await admin('machine', 'add', name, '--mac', macs[i] ?? '');
    await admin('collection', 'add', 'lab');
    await admin('collection', 'add-member', 'lab', 'pc-a');
    await admin('collection', 'add-member', 'lab', 'pc-b');
    await admin('deployment', 'add', 'win', '--image', 'img', '--collection', 'lab', '--after', 'none');

    const run = (i: number, stateDir: string): Promise<Collected> => {
      const h = hosts[i] as Host;
      const d = disks[i] as Disk;
      // Only a server, a token and where to write: the DP says which image. Loop devices are never
      // chosen by first-fixed, hence path:.
      return collect(
        ctx.lan.spawn(h, process.execPath, [appBundles().agent, 'run', '--server', ctx.dp.url, '--token', ctx.dp.clientToken, '--disk', `path:${d.dev}`, '--state-dir', path.join(ctx.work, h.name, stateDir), '--interface', h.ip, '--json']),
        240_000,
      );
    };
    const deployed = (i: number): boolean => sha256(readDevice((disks[i] as Disk).dev, ctx.img.size)) === ctx.img.sha256;
    const untouched = (i: number): boolean => readDevice((disks[i] as Disk).dev, DISK_BYTES).equals(Buffer.alloc(DISK_BYTES, FILL));

    const [a, b, third] = await Promise.all([run(0, 'state'), run(1, 'state'), run(2, 'state')]);
    expect({ code: a.code, err: a.code === 0 ? '' : a.stderr.slice(-1500) }).toEqual({ code: 0, err: '' });
    expect({ code: b.code, err: b.code === 0 ? '' : b.stderr.slice(-1500) }).toEqual({ code: 0, err: '' });
    expect(deployed(0)).toBe(true);
    expect(deployed(1)).toBe(true);
    expect(third.code).toBe(8);
    expect(third.stdout).toContain('"step":"result"');
    expect(third.stdout).toContain('the DP has nothing for machine pc-c');
    expect(untouched(2)).toBe(true);
    // Each agent asked for the image the DP named, by multicast (one session for both).
    expect(a.stdout).toContain('"image":"img"');

    // A required deployment runs once: asked again, pc-a has nothing to do; rerun re-arms it.
    refill((disks[0] as Disk).dev);
    expect((await run(0, 'state2')).code).toBe(8);
    expect(untouched(0)).toBe(true);
    expect((await admin('deployment', 'rerun', 'win', '--machine', 'pc-a')).code).toBe(0);
    const again = await run(0, 'state2');
    expect({ code: again.code, err: again.code === 0 ? '' : again.stderr.slice(-1500) }).toEqual({ code: 0, err: '' });
    expect(deployed(0)).toBe(true);

    const history = JSON.parse((await admin('history', '--json')).stdout) as Array<Record<string, unknown>>;
    const rows = history.map((h) => `${String(h['machine'])} ${String(h['deployment'])} ${String(h['result'])} ${String(h['exitCode'])} ${String(h['bytes'])}`).sort();
    const size = String(ctx.img.size);
    expect(rows).toEqual([`pc-a win ok 0 ${size}`, `pc-a win ok 0 ${size}`, `pc-b win ok 0 ${size}`]);
    for (const h of history) {
      expect(h).toMatchObject({ image: 'img', transport: 'multicast', message: 'deployed and verified' });
      expect(Date.parse(String(h['endedAt']))).toBeGreaterThanOrEqual(Date.parse(String(h['startedAt'])));
    }
    // One SMBIOS UUID in every namespace, three MACs: three machines, none merged.
    const machines = JSON.parse((await admin('machine', 'list', '--json')).stdout) as Array<{ name: string }>;
    expect(machines.map((m) => m.name).sort()).toEqual(names);

    // A post-deploy script that fails, fetched over the LAN from a web server on the DP's host:
    // the image stays, the agent exits 9, and history keeps the script's output tail.
    const web = ctx.lan.spawn(ctx.lan.server, process.execPath, ['-e', SCRIPT_SERVER, ctx.lan.server.ip]);
    try {
      await waitForLine(web, /^listening/);
      await admin('collection', 'add', 'late');
      await admin('collection', 'add-member', 'late', 'pc-c');
      await admin('deployment', 'add', 'post', '--image', 'img', '--collection', 'late', '--after', 'none', '--script', `http://${ctx.lan.server.ip}:${SCRIPT_PORT}/post.sh`, '--var', 'SITE=lab-3');
      const scripted = await run(2, 'state');
      expect({ code: scripted.code, err: scripted.code === 9 ? '' : scripted.stderr.slice(-1500) }).toEqual({ code: 9, err: '' });
      expect(deployed(2)).toBe(true);
      const [row] = JSON.parse((await admin('history', '--machine', 'pc-c', '--json')).stdout) as Array<Record<string, unknown>>;
      expect(row).toMatchObject({ deployment: 'post', result: 'failed', exitCode: 9, bytes: ctx.img.size });
      expect(String(row?.['message'])).toMatch(new RegExp(`^deployed and verified; but the script exited 3; its output ends:\nconfiguring lab-3 on ${(disks[2] as Disk).dev}\n$`));
    } finally {
      web.kill('SIGKILL');
    }
  }, 600_000);
});
