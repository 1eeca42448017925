// Issue 26's `capture` deployment end to end: a reference machine (a namespace host whose disk is a
// loop device holding GPT, FAT32, ext4 and NTFS with garbage in their free space) runs
// `castpoint-agent run` with only the server and the client token, as the boot environment would;
// the DP's answer names the new image and carries a capture grant, and the agent uploads the disk
// with it. The image then appears in `image list`, the history records the capture, and the image
// deploys verified to another machine's loop disk: every used chunk equal to the source, every
// unused chunk still holding the target's old bytes.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appBundles, dpCli, startAgent, startDp, stopDp, type RunningDp } from '@castpoint/bench';
import { makeGptDisk } from '@castpoint/diskmap/testing';
import { collect, describeLan, Lan, type Collected } from '@castpoint/netlab';
import type { Manifest } from '@castpoint/wire';
import { losetup, readDevice, requireBuilt, workDir } from './e2e-helpers';

const OLD = 0xab;

describeLan('capture deployment (issue 26)', () => {
  requireBuilt();
  let lan: Lan | undefined;
  let dp: RunningDp | undefined;
  let work = '';
  const loops: string[] = [];
  afterEach(async () => {
    if (dp) await Promise.race([stopDp(dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const l of loops.splice(0)) execFileSync('losetup', ['-d', l]);
    lan?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('captures a reference machine by `run` with no token that may capture on its side, lists the image, records it, and deploys it verified', async () => {
    work = workDir();
    lan = Lan.create({ clients: 2 });
    const l = lan;
    const disk = makeGptDisk(work);
    const source = losetup(disk.path);
    loops.push(source);
    const d = await startDp(l, l.server, { dataDir: path.join(work, 'dp'), maxRate: '400mbit' });
    dp = d;
    const admin = async (...args: string[]): Promise<Collected> => {
      const r = await dpCli(l, d, args);
      if (r.code !== 0) throw new Error(`castpoint-dp ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}${r.stdout}`);
      return r;
    };
    const ref = l.clients[0]!;
    const mac = (await collect(l.spawn(ref, 'cat', ['/sys/class/net/eth0/address']), 10_000)).stdout.trim();
    await admin('machine', 'add', 'ref-1', '--mac', mac);
    await admin('collection', 'add', 'refs');
    await admin('collection', 'add-member', 'refs', 'ref-1');
    await admin('deployment', 'add', 'golden', '--kind', 'capture', '--collection', 'refs', '--image-name', '{machine}-golden', '--after', 'none');

    // Only the server and the client token, as on a boot environment's kernel line. Loop devices
    // are never chosen by first-fixed, hence path:.
    const run = (): Promise<Collected> =>
      collect(l.spawn(ref, process.execPath, [appBundles().agent, 'run', '--server', d.url, '--token', d.clientToken, '--disk', `path:${source}`, '--state-dir', path.join(work, 'ref-state'), '--json']), 300_000);
    const captured = await run();
    expect({ code: captured.code, err: captured.code === 0 ? '' : captured.stderr.slice(-1500) }).toEqual({ code: 0, err: '' });
    const steps = captured.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const done = steps.find((s) => s['step'] === 'capture' && s['phase'] === 'done');
    expect(done).toMatchObject({ image: 'ref-1-golden' });
    expect(Number(done?.['uploadedBytes'])).toBeLessThan(disk.size / 2);
    expect(Number(done?.['unusedChunks'])).toBeGreaterThan(0);

    const images = JSON.parse((await admin('image', 'list', '--json')).stdout) as Array<{ name: string; manifestHash: string }>;
    const img = images.find((i) => i.name === 'ref-1-golden');
    expect(img).toBeDefined();
    const [row] = JSON.parse((await admin('history', '--machine', 'ref-1', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({ deployment: 'golden', image: 'ref-1-golden', result: 'ok', exitCode: 0, bytes: done?.['uploadedBytes'] });
    // Required: captured once; asked again, the machine has nothing to do.
    expect((await run()).code).toBe(8);

    // Deployed to another machine's disk full of old bytes, and verified by the agent.
    const targetFile = path.join(work, 'target.img');
    writeFileSync(targetFile, Buffer.alloc(disk.size, OLD));
    const target = losetup(targetFile);
    loops.push(target);
    const deployed = await collect(startAgent(l, l.clients[1]!, d, { image: 'ref-1-golden', target, stateDir: path.join(work, 'target-state') }), 300_000);
    expect({ code: deployed.code, err: deployed.code === 0 ? '' : deployed.stderr.slice(-1500) }).toEqual({ code: 0, err: '' });
    const manifest = JSON.parse(readFileSync(path.join(work, 'dp', 'manifests', `${img!.manifestHash}.json`), 'utf8')) as Manifest;
    const unused = new Set(manifest.unusedChunks ?? []);
    const src = readFileSync(disk.path);
    const got = readDevice(target, disk.size);
    const cs = manifest.chunkSize;
    for (let c = 0; c * cs < disk.size; c++) {
      const want = unused.has(c) ? Buffer.alloc(Math.min(cs, disk.size - c * cs), OLD) : src.subarray(c * cs, (c + 1) * cs);
      expect([c, got.subarray(c * cs, (c + 1) * cs).equals(want)]).toEqual([c, true]);
    }
  }, 600_000);
});
