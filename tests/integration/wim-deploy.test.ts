// Issue 27, the Linux path of a WIM image: a WIM captured by wimlib from a test tree (two images;
// the DP is told --index 2), deployed by multicast to two loop disks in a namespace LAN; each disk
// then holds a GPT (ESP, MSR, Windows), an NTFS whose boot sector names its partition start, the
// tree file by file (read through a read-only ntfs-3g mount) and the boot files on the ESP.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dpCli, placeImage, startAgent } from '@castpoint/bench';
import { collect } from '@castpoint/netlab';
import { clientOf, lanWithImage, requireBuilt, tearDown, type Ctx } from './e2e-helpers';

const MiB = 1024 * 1024;

/** A seeded tree of ~300 files in nested folders (~4 MiB), with UEFI boot files where Windows has them. */
function writeTree(root: string): void {
  let x = 12345;
  const rnd = (): number => (x = (x * 1103515245 + 12345) & 0x7fffffff);
  for (let d = 0; d < 20; d++) {
    const dir = path.join(root, `dir ${d}`, `sub${d % 4}`, d % 3 === 0 ? 'deeper' : '');
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 15; f++) {
      const size = f === 0 ? 0 : rnd() % (f % 5 === 0 ? 60_000 : 9_000);
      const buf = Buffer.alloc(size);
      for (let i = 0; i < size; i++) buf[i] = rnd() >> 16;
      writeFileSync(path.join(dir, `file-${f}.bin`), buf);
    }
  }
  const efi = path.join(root, 'Windows', 'Boot', 'EFI');
  mkdirSync(path.join(efi, 'en-US'), { recursive: true });
  writeFileSync(path.join(efi, 'bootmgfw.efi'), Buffer.alloc(300_000, 0x4d));
  writeFileSync(path.join(efi, 'bootmgr.efi'), Buffer.alloc(200_000, 0x5a));
  writeFileSync(path.join(efi, 'en-US', 'bootmgfw.efi.mui'), 'mui');
}

/** Relative path -> SHA-256 of every file under `root`. */
function hashTree(root: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) for (const [k, v] of hashTree(root, r)) out.set(k, v);
    else out.set(r, createHash('sha256').update(readFileSync(path.join(root, r))).digest('hex'));
  }
  return out;
}

// stderr kept from the test's output: mtools warns about a loop device's geometry on every call.
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });

describe('WIM image: multicast to two disks, applied by the Linux path', () => {
  let c: Ctx | undefined;
  const loops: string[] = [];
  const mounts: string[] = [];
  afterAll(async () => {
    for (const m of mounts) {
      try {
        sh('umount', [m]);
      } catch {
        // already gone
      }
    }
    for (const l of loops.reverse()) {
      try {
        sh('losetup', ['--detach', l]);
      } catch {
        // already detached
      }
    }
    await tearDown(c);
  });

  it('stages the WIM, lays out GPT + NTFS, applies image 2 and fills the ESP on both disks', async () => {
    requireBuilt();
    c = await lanWithImage({ clients: 2, sizeMiB: 1, seed: 27, full: true, maxRate: '200mbit' });
    const work = c.work;
    const tree = path.join(work, 'tree');
    writeTree(tree);
    const wim = path.join(work, 'install.wim');
    // Image 1 holds a file image 2 lacks: the disks must hold image 2, as --index asks.
    writeFileSync(path.join(tree, 'only-in-image-1.txt'), 'one');
    sh('wimlib-imagex', ['capture', tree, wim, 'Base']);
    rmSync(path.join(tree, 'only-in-image-1.txt'));
    sh('wimlib-imagex', ['append', tree, wim, 'Pro']);
    const expected = hashTree(tree);
    expect(expected.size).toBeGreaterThan(300);

    const add = await dpCli(c.lan, c.dp, ['image', 'add', 'win', placeImage(path.join(work, 'dp'), wim), '--kind', 'wim', '--index', '2']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^added image win: WIM image 2 /);
    const list = await dpCli(c.lan, c.dp, ['image', 'list']);
    expect(list.stdout).toMatch(/\nwin +wim:2 /);

    const disks: string[] = [];
    for (let i = 0; i < 2; i++) {
      const file = path.join(work, `disk${i}.raw`);
      writeFileSync(file, '');
      execFileSync('truncate', ['-s', `${512 * MiB}`, file]);
      const dev = sh('losetup', ['--find', '--show', file]).trim();
      loops.push(dev);
      disks.push(dev);
    }
    const ctx = c;
    const started = disks.map((dev, i) => {
      const host = clientOf(ctx, i);
      const dir = path.join(work, host.name);
      mkdirSync(dir, { recursive: true });
      const proc = startAgent(ctx.lan, host, ctx.dp, { image: 'win', target: dev, stateDir: path.join(dir, 'state'), extra: ['--no-fallback', '--staging-dir', path.join(dir, 'staging')] });
      return { ended: collect(proc, 240_000) };
    });
    const ends = await Promise.all(started.map((s) => s.ended));
    ends.forEach((e, i) => {
      if (e.code !== 0) throw new Error(`agent ${i + 1} exited ${String(e.code)}: ${e.stderr.slice(-2000)} ${e.stdout.slice(-2000)}`);
    });
    for (const [i, e] of ends.entries()) {
      // Multicast, not unicast (--no-fallback), and every step of the apply was said.
      expect(e.stderr).toContain('castpoint-agent: WIM: apply image 2 of the WIM to NTFS');
      expect(e.stderr).toContain('castpoint-agent: WIM: bootmgfw.efi as the fallback loader');
      // The progress line comes once a second: a 1.6 MB WIM may be received between two of them,
      // so no "receiving" line is required (CI saw waiting -> verifying); the verdict and the
      // multicast session (sessionId, --no-fallback) are.
      expect(e.stdout).toMatch(/"sessionId":\d+[\s\S]*"verdict":"verified: safe to reboot"/);
      // The staged copy is gone once applied.
      expect(readdirSync(path.join(work, clientOf(ctx, i).name, 'staging'))).toEqual([]);
    }

    for (const [i, dev] of disks.entries()) {
      const table = sh('sgdisk', ['--print', dev]);
      expect(table).toMatch(/\n +1 +2048 +534527 +260\.0 MiB +EF00 +EFI system partition/);
      expect(table).toMatch(/\n +2 +534528 +567295 +16\.0 MiB +0C01 +Microsoft reserved/);
      expect(sh('sgdisk', ['--info=2', dev])).toContain("Partition name: 'Microsoft reserved partition'");
      expect(table).toMatch(/\n +3 +567296 +\d+ +[\d.]+ MiB +0700 +Windows/);
      const winOffset = 567296 * 512;
      const win = sh('losetup', ['--find', '--show', '--read-only', `--offset=${winOffset}`, dev]).trim();
      loops.push(win);
      // mkntfs -p: "hidden sectors" of the NTFS boot sector (offset 0x1c) is the partition's start.
      const boot = readFileSync(win).subarray(0, 512);
      expect(boot.toString('latin1', 3, 11)).toBe('NTFS    ');
      expect(boot.readUInt32LE(0x1c)).toBe(567296);
      const mnt = mkdtempSync(path.join(work, `mnt${i}-`));
      sh('ntfs-3g', ['-o', 'ro', win, mnt]);
      mounts.push(mnt);
      const got = hashTree(mnt);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [k, v] of expected) expect(`${k} ${got.get(k) ?? 'missing'}`).toBe(`${k} ${v}`);
      sh('umount', [mnt]);
      mounts.pop();
      const esp = sh('losetup', ['--find', '--show', '--read-only', `--offset=${2048 * 512}`, `--sizelimit=${260 * MiB}`, dev]).trim();
      loops.push(esp);
      expect(sh('mtype', ['-i', esp, '::/EFI/Boot/bootx64.efi']).length).toBe(300_000);
      expect(sh('mtype', ['-i', esp, '::/EFI/Microsoft/Boot/en-US/bootmgfw.efi.mui'])).toBe('mui');
      expect(statSync(dev).isBlockDevice()).toBe(true);
    }
  }, 300_000);
});
