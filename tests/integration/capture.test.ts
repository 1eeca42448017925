// Issue 26's proof: a reference disk (GPT, ESP FAT32, ext4, NTFS, garbage in their free space) on
// a loop device is captured by `castpoint-agent capture` from a namespace host over HTTP, then
// deployed by multicast (no fallback) to two loop disks full of old bytes. Every file of every
// filesystem must read back equal from each target (ext4 and NTFS mounted read-only; FAT read with
// mtools, this kernel has no vfat module), and the bytes of an unused chunk must be the target's
// old ones: never written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appBundles, startAgent, startDp, stopDp, type RunningDp } from '@castpoint/bench';
import { makeFilesystem, makeGptDisk, type FixtureDisk } from '@castpoint/diskmap/testing';
import { collect, describeLan, Lan } from '@castpoint/netlab';
import type { Manifest } from '@castpoint/wire';
import { losetup, requireBuilt, workDir } from './e2e-helpers';

const MiB = 1024 * 1024;
const OLD = 0xab;

/**
 * A read-only loop device over one partition of a disk image file (by offset: this container's
 * kernel makes no partition devices for loop disks).
 */
function partitionLoop(file: string, start: number, length: number): string {
  return execFileSync('losetup', ['-r', '-f', '--show', '-o', String(start), '--sizelimit', String(length), file], { encoding: 'utf8' }).trim();
}

function readPartitionFile(fs: string, dev: string, name: string, mnt: string): Buffer {
  if (fs === 'fat32') return execFileSync('mcopy', ['-n', '-i', dev, `::${name}`, '-'], { maxBuffer: 64 * MiB, stdio: ['ignore', 'pipe', 'ignore'] });
  mkdirSync(mnt, { recursive: true });
  if (fs === 'ntfs') execFileSync('ntfs-3g', ['-o', 'ro', dev, mnt]);
  else execFileSync('mount', ['-o', 'ro,noload', '-t', 'ext4', dev, mnt]);
  try {
    return readFileSync(path.join(mnt, name));
  } finally {
    execFileSync('umount', [mnt]);
  }
}

describeLan('capture', () => {
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

  it('captures a GPT + FAT32 + ext4 + NTFS disk and deploys it by multicast to two disks, files equal, unused chunks untouched', async () => {
    work = workDir();
    lan = Lan.create({ clients: 3 });
    const disk: FixtureDisk = makeGptDisk(work);
    const source = losetup(disk.path);
    loops.push(source);
    dp = await startDp(lan, lan.server, { dataDir: path.join(work, 'dp'), maxRate: '400mbit' });
    const capture = (src = source, name = 'ref') =>
      collect(lan!.spawn(lan!.clients[0]!, process.execPath, [appBundles().agent, 'capture', '--source', src, '--server', dp!.url, '--name', name, '--token', dp!.adminToken, '--json']), 300_000);

    // A disk holding a mounted filesystem is refused (exit 5) before anything is read or sent.
    const mounted = path.join(work, 'mounted.img');
    makeFilesystem(mounted, 'ext4', 8 * MiB, []);
    const mountedDev = losetup(mounted);
    loops.push(mountedDev);
    const mnt = path.join(work, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-o', 'ro,noload', '-t', 'ext4', mountedDev, mnt]);
    const refused = await capture(mountedDev, 'busy').finally(() => execFileSync('umount', [mnt]));
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/mounted/);

    const done = await capture();
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout.trim().split('\n').pop() ?? '{}') as { unusedChunks: number; uploadedBytes: number; mapSource: string };
    expect(summary.mapSource).toBe('filesystem');
    expect(summary.unusedChunks).toBeGreaterThan(0);
    // Only used data crossed the wire: far less than the disk.
    expect(summary.uploadedBytes).toBeLessThan(disk.size / 2);

    const list = await collect(lan.spawn(lan.server, 'curl', ['-sS', '-H', `authorization: Bearer ${dp.adminToken}`, `${dp.url}/api/v1/images`]), 10_000);
    const img = (JSON.parse(list.stdout) as Array<{ name: string; manifestHash: string }>).find((i) => i.name === 'ref');
    expect(img).toBeDefined();
    const manifest = JSON.parse(readFileSync(path.join(work, 'dp', 'manifests', `${img!.manifestHash}.json`), 'utf8')) as Manifest;
    expect(manifest.unusedChunks?.length).toBe(summary.unusedChunks);

    // Two target disks full of old bytes, deployed by multicast only.
    const targets = [1, 2].map((i) => {
      const f = path.join(work, `target${i}.img`);
      writeFileSync(f, Buffer.alloc(disk.size, OLD));
      const dev = losetup(f);
      loops.push(dev);
      return { host: lan!.clients[i]!, dev, file: f };
    });
    const agents = targets.map((t) => collect(startAgent(lan!, t.host, dp!, { image: 'ref', target: t.dev, stateDir: path.join(work, `state-${t.host.name}`), extra: ['--no-fallback'] }), 300_000));
    const ends = await Promise.all(agents);
    ends.forEach((e) => expect({ code: e.code, stderr: e.code === 0 ? '' : e.stderr.slice(-1500) }).toEqual({ code: 0, stderr: '' }));

    for (const t of targets) {
      disk.partitions.forEach((p) => {
        const dev = partitionLoop(t.file, p.start, p.length);
        try {
          for (const f of p.files) expect(readPartitionFile(p.fs, dev, f.name, path.join(work, `m-${t.host.name}`)).equals(f.data)).toBe(true);
        } finally {
          execFileSync('losetup', ['-d', dev]);
        }
      });
      // Unused chunks kept the target's old bytes.
      const bytes = readFileSync(t.file);
      for (const u of manifest.unusedChunks ?? []) {
        const c = bytes.subarray(u * manifest.chunkSize, (u + 1) * manifest.chunkSize);
        expect(c.every((b) => b === OLD)).toBe(true);
      }
    }
  }, 600_000);
});
