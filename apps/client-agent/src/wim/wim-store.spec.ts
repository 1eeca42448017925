// wimStoreOpener and applyWimPlan with fakes: a disk image passes through, a WIM is refused before
// a byte when the disk or the staging space is short, applied only after a verified finish, and
// the loop devices of a failed apply are detached.
import type { ImageContent, Manifest } from '@castpoint/wire';
import type { ChunkStore, ChunkStoreOpener } from '../flow/ports';
import { planWimApply } from './apply-plan';
import { CommandFailed, applyWimPlan, probeDisk, type CommandRunner } from './apply-wim';
import { wimStoreOpener, type WimStoreOptions } from './wim-store';

const GiB = 1024 ** 3;
const manifest = { version: 1, size: 3 * GiB, chunkSize: 1 << 20, sha256: 'ab'.repeat(32), chunks: [], zeroChunks: [] } as unknown as Manifest;
const wim: ImageContent = { kind: 'wim', index: 2, totalBytes: 10 * GiB };

function fakeStore(m: Manifest, damaged: number[] = []): ChunkStore & { finished: number } {
  return {
    manifest: m,
    totalChunks: 3,
    finished: 0,
    chunksDone: () => 3,
    bytesDone: () => m.size,
    isDone: () => true,
    writeChunk: () => Promise.resolve(),
    async finish() {
      this.finished++;
      return damaged;
    },
    close: () => Promise.resolve(),
  };
}

function setup({ image, damaged, ...over }: Partial<WimStoreOptions> & { image?: ImageContent; damaged?: number[] } = {}) {
  const log: string[] = [];
  const opener = (what: string, damaged: number[] = []): ChunkStoreOpener => ({
    precheck: () => Promise.resolve(void log.push(`precheck ${what}`)),
    open: (m) => Promise.resolve((log.push(`open ${what}`), fakeStore(m, damaged))),
  });
  const o: WimStoreOptions = {
    target: '/dev/sdz',
    disk: opener('disk'),
    staging: (file) => opener(`staging ${file}`, damaged),
    stagingDir: '/stage',
    content: { current: () => image },
    probe: () => Promise.resolve({ sizeBytes: 64 * GiB, sectorSize: 512 }),
    freeBytes: () => Promise.resolve(100 * GiB),
    fileBytes: () => Promise.resolve(0),
    mkdir: (d) => Promise.resolve(void log.push(`mkdir ${d}`)),
    remove: (f) => Promise.resolve(void log.push(`rm ${f}`)),
    apply: (file, c, g) => Promise.resolve(void log.push(`apply ${file} ${c.index} ${g.sizeBytes}`)),
    ...over,
  };
  return { log, opener: wimStoreOpener(o) };
}

describe('wimStoreOpener', () => {
  it('writes a disk image to the target itself', async () => {
    const { log, opener } = setup();
    await opener.precheck();
    const s = await opener.open(manifest);
    expect(await s.finish()).toEqual([]);
    expect(log).toEqual(['precheck disk', 'open disk']);
  });

  it('stages a WIM under its content name, applies it after a verified finish, then removes the staged copy', async () => {
    const { log, opener } = setup({ image: wim });
    const s = await opener.open(manifest);
    expect(log).toEqual(['mkdir /stage', 'open staging /stage/abababababababab.wim']);
    expect(await s.finish()).toEqual([]);
    expect(log.slice(2)).toEqual([`apply /stage/abababababababab.wim 2 ${64 * GiB}`, 'rm /stage/abababababababab.wim']);
  });

  it('applies nothing while the staged WIM reads back damaged (those chunks are fetched again)', async () => {
    const { log, opener } = setup({ image: wim, damaged: [4] });
    const s = await opener.open(manifest);
    expect(await s.finish()).toEqual([4]);
    expect(log.some((l) => l.startsWith('apply'))).toBe(false);
  });

  it('refuses a disk smaller than the image plus the layout before anything is staged', async () => {
    const { log, opener } = setup({ image: wim, probe: () => Promise.resolve({ sizeBytes: 11 * GiB, sectorSize: 512 }) });
    await expect(opener.open(manifest)).rejects.toMatchObject({
      code: 'target-refused',
      message: '/dev/sdz holds 11.00 GiB; WIM image 2 expands to 10.00 GiB of files and needs a disk of at least 11.33 GiB with its ESP, MSR and NTFS overhead',
    });
    expect(log).toEqual([]);
  });

  it('refuses a staging dir without room for the WIM (counting a partly staged copy) before a byte', async () => {
    const short = setup({ image: wim, freeBytes: () => Promise.resolve(2 * GiB) });
    await expect(short.opener.open(manifest)).rejects.toMatchObject({ code: 'target-refused', message: expect.stringMatching(/^The staging directory \/stage has 2\.00 GiB free; the WIM needs 3\.00 GiB there/) });
    expect(short.log).toEqual(['mkdir /stage']);
    const resumed = setup({ image: wim, freeBytes: () => Promise.resolve(2 * GiB), fileBytes: () => Promise.resolve(1 * GiB) });
    await expect(resumed.opener.open(manifest)).resolves.toBeDefined();
  });

  it('fails the finish when the apply fails (the deploy ends in an error, the staged WIM stays for a rerun)', async () => {
    const { log, opener } = setup({ image: wim, apply: () => Promise.reject(new Error('mkntfs: no space')) });
    const s = await opener.open(manifest);
    await expect(s.finish()).rejects.toThrow('mkntfs: no space');
    expect(log.some((l) => l.startsWith('rm'))).toBe(false);
  });
});

describe('applyWimPlan', () => {
  const plan = planWimApply({ disk: '/dev/sdz', geometry: { sizeBytes: 64 * GiB, sectorSize: 512 }, wim: '/s.wim', index: 1, scratchDir: '/t' });

  function runner(failOn?: string): { run: CommandRunner; calls: string[] } {
    const calls: string[] = [];
    let loops = 0;
    return {
      calls,
      run: (argv) => {
        calls.push(argv.join(' '));
        if (failOn && argv[0] === failOn) return Promise.reject(new CommandFailed(argv, 'it broke'));
        return Promise.resolve(argv[0] === 'losetup' && argv[1] === '--find' ? `/dev/loop${7 + loops++}\n` : '');
      },
    };
  }

  it('runs each step with the loop devices in place of $esp and $windows, then detaches them', async () => {
    const { run, calls } = runner();
    const said: string[] = [];
    await applyWimPlan(plan, '/dev/sdz', run, (w) => said.push(w));
    expect(calls).toContain(`losetup --find --show --offset=${2048 * 512} --sizelimit=${260 * 1024 ** 2} /dev/sdz`);
    expect(calls).toContain('mkfs.vfat -F 32 -S 512 -n SYSTEM /dev/loop7');
    expect(calls).toContain('wimlib-imagex apply /s.wim 1 /dev/loop8');
    expect(calls.slice(-2)).toEqual(['losetup --detach /dev/loop8', 'losetup --detach /dev/loop7']);
    expect(said[0]).toBe('remove the old partition tables (GPT at both ends, MBR)');
  });

  it('names the failed step and still detaches', async () => {
    const { run, calls } = runner('mkntfs');
    await expect(applyWimPlan(plan, '/dev/sdz', run, () => undefined)).rejects.toMatchObject({
      code: 'target-refused',
      message: 'Applying the WIM to /dev/sdz failed at "NTFS on the Windows partition": mkntfs --fast --quiet -L Windows -s 512 -p 567296 -H 255 -S 63 /dev/loop8: it broke',
    });
    expect(calls.some((c) => c.startsWith('wimlib-imagex'))).toBe(false);
    expect(calls.slice(-2)).toEqual(['losetup --detach /dev/loop8', 'losetup --detach /dev/loop7']);
  });

  it('probeDisk refuses a device that reports no sane size or sector size', async () => {
    const answers: Record<string, string> = { '--getsize64': '0\n', '--getss': '512\n' };
    await expect(probeDisk((a) => Promise.resolve(answers[a[1] ?? ''] ?? ''), '/dev/sdz')).rejects.toMatchObject({ code: 'target-refused' });
    answers['--getsize64'] = `${64 * GiB}\n`;
    await expect(probeDisk((a) => Promise.resolve(answers[a[1] ?? ''] ?? ''), '/dev/sdz')).resolves.toEqual({ sizeBytes: 64 * GiB, sectorSize: 512 });
  });
});
