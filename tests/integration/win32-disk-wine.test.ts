// Issue 27, the Windows agent's raw-disk writer as far as wine goes: the win-x64 single executable
// (koffi's win32-x64 .node carried as a SEA asset, dlopen'ed from a temp file) runs under Debian's
// wine in a netlab host, deploys an image from a stand-in DP (unicast fallback) to `\\.\PhysicalDrive9`, which
// the wine prefix's dosdevices link maps to a loop device, and the loop device then holds the image.
// Wine answers no disk IOCTL for a Unix device (IOCTL_DISK_GET_LENGTH_INFO and GEOMETRY_EX fail
// with ERROR_NOT_SUPPORTED), so the disk's size here comes from the writer's fallback (reading the
// last sector), and the volume locks find no volume on it; those answers are unit-tested against a
// fake Win32 layer (apps/client-agent/src/win32/*.spec.ts). Wine's C: reports disk 0, so
// \\.\PhysicalDrive0 is the protected system disk: refused before the DP is asked.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, describeLan, Lan, waitForLine, type Host } from '@castpoint/netlab';
import { FAKE_DP, manifestOf } from './fake-dp';

const root = path.resolve(__dirname, '../..');
const exe = path.join(root, 'dist/castpoint-agent-win-x64.exe');
const bundle = path.join(root, 'dist/apps/client-agent/main.cjs');
const MiB = 1024 * 1024;

/** Builds the bundle and the win-x64 executable when missing or older than the bundle. */
function ensureWindowsAgent(): void {
  if (!existsSync(bundle)) {
    execFileSync(process.execPath, ['tools/build/bundle.mjs', 'apps/client-agent/src/main.ts', bundle], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(bundle).mtimeMs) {
    execFileSync(process.execPath, ['apps/client-agent/scripts/package.mjs', '--only', 'win-x64'], { cwd: root, stdio: 'inherit' });
  }
}

/** `/a/b` as wine's Z: drive path. */
const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

/**
 * Runs the agent under wine inside `host`'s namespace (never the machine's own: wine's programs
 * must not reach the network from there). stdout/stderr go to files: node under wine cannot open a
 * pipe inherited from Linux as its standard streams (EBADF).
 */
async function wineAgent(lan: Lan, host: Host, work: string, args: string[], name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const out = path.join(work, `${name}.out`);
  const err = path.join(work, `${name}.err`);
  const proc = lan.spawn(host, 'sh', ['-c', 'exec wine "$@" >"$OUT" 2>"$ERR" </dev/null', 'wine', exe, ...args], {
    env: { ...process.env, WINEPREFIX: path.join(work, 'wineprefix'), WINEDEBUG: '-all', OUT: out, ERR: err },
  });
  const ended = await collect(proc, 240_000);
  return { code: ended.code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
}

describeLan('Windows agent under wine: \\\\.\\PhysicalDriveN through a dosdevices link to a loop device', () => {
  let lan: Lan | undefined;
  let work = '';
  let loop: string | undefined;
  beforeAll(() => {
    ensureWindowsAgent();
    lan = Lan.create({ clients: 1 });
    work = mkdtempSync(path.join(tmpdir(), 'cp-wine-'));
  }, 300_000);
  afterAll(() => {
    if (loop !== undefined) execFileSync('losetup', ['--detach', loop]);
    lan?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes the image to the disk, and refuses wine\'s system disk before asking the DP', async () => {
    if (!lan) throw new Error('no LAN');
    const host = lan.clients[0];
    if (!host) throw new Error('no client');
    // Ends 1000 bytes into a sector: the last chunk goes through the read-modify-write path.
    const chunkSize = 64 * 1024;
    const image = Buffer.concat([randomBytes(5 * chunkSize), Buffer.alloc(2 * chunkSize), randomBytes(chunkSize / 2 + 1000)]);
    const imageFile = path.join(work, 'image.bin');
    const manifestFile = path.join(work, 'manifest.json');
    writeFileSync(imageFile, image);
    writeFileSync(manifestFile, JSON.stringify(manifestOf(image, chunkSize)));
    const dp = lan.spawn(lan.server, process.execPath, ['-e', FAKE_DP, imageFile, manifestFile, lan.server.ip, '8080']);
    const listening = waitForLine(dp, /^listening$/, 60_000);

    const diskFile = path.join(work, 'disk.raw');
    writeFileSync(diskFile, Buffer.alloc(2 * MiB, 0xee));
    loop = execFileSync('losetup', ['--find', '--show', diskFile], { encoding: 'utf8' }).trim();
    // A fresh prefix claims Windows 7, which node.exe refuses: winecfg -v win10, as docs/preinstall.md says.
    const wineEnv = { ...process.env, WINEPREFIX: path.join(work, 'wineprefix'), WINEDEBUG: '-all' };
    expect((await collect(lan.spawn(host, 'wineboot', ['--init'], { env: wineEnv }), 120_000)).code).toBe(0);
    expect((await collect(lan.spawn(host, 'winecfg', ['-v', 'win10'], { env: wineEnv }), 120_000)).code).toBe(0);
    symlinkSync(loop, path.join(work, 'wineprefix', 'dosdevices', 'physicaldrive9'));
    mkdirSync(path.join(work, 'state'));
    try {
      await listening;
      dp.stdout?.resume();
      const common = ['--server', `http://${lan.server.ip}:8080`, '--image', 'img', '--json', '--state-dir', winPath(path.join(work, 'state'))];

      const refused = await wineAgent(lan, host, work, ['deploy', ...common, '--target', '\\\\.\\PhysicalDrive0'], 'refused');
      expect(refused.stderr).toMatch(/PhysicalDrive0 holds C: \(the running Windows\): the running system is never written/);
      expect(refused.code).toBe(5);

      const ran = await wineAgent(lan, host, work, ['deploy', ...common, '--target', '\\\\.\\PhysicalDrive9'], 'deploy');
      if (ran.code !== 0) throw new Error(`agent exited ${String(ran.code)}: ${ran.stderr.slice(-3000)} ${ran.stdout.slice(-2000)}`);
      expect(ran.stdout).toMatch(/"verdict":"verified: safe to reboot"/);

      const disk = readFileSync(loop);
      expect(Buffer.compare(disk.subarray(0, image.length), image)).toBe(0);
      // The disk's bytes past the image are kept, also in the image's last, partial sector.
      expect(disk.subarray(image.length).every((b) => b === 0xee)).toBe(true);
    } finally {
      dp.kill();
      await collect(dp, 10_000).catch(() => undefined);
    }
  }, 300_000);
});
