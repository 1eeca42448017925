// Issue 22.5: an image edited in place with its mtime put back (`touch -r`) passes the identity
// check and the 8-chunk sample at session start, and only fails when the DP reads the edited chunk
// for sending. It used to fail each session there while agents asked again for ever ("multicast
// delivered nothing for 15 s"). Now the DP marks the image broken, ends the session with a signed
// kick saying so, and refuses the image: agents stop at once with the reason (exit 7).
// Issue 26: the same for a compressed image (the default) whose chunk pack has a byte flipped: the
// DP checks what it sends against the pack index (the stored bytes' SHA-256), not by decoding.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { dpCli, placeImage, startDp, stopDp, writeSampleImage, type RunningDp } from '@castpoint/bench';
import { describeLan, Lan, type Host } from '@castpoint/netlab';
import { agentOn, requireBuilt, workDir } from './e2e-helpers';

const MiB = 1024 * 1024;

describeLan('an image changed in place behind the DP', () => {
  requireBuilt();
  let lan: Lan | undefined;
  let dp: RunningDp | undefined;
  let work: string | undefined;
  afterEach(async () => {
    if (dp) await Promise.race([stopDp(dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    lan?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
    lan = dp = work = undefined;
  });

  /** Flips one byte at `at` of `file`, its mtime put back. */
  const flip = (file: string, at: number): void => {
    const ref = path.join(work as string, 'mtime-ref');
    execFileSync('touch', ['-r', file, ref]);
    const fd = openSync(file, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = (b[0] ?? 0) ^ 0xff;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    execFileSync('touch', ['-r', ref, file]);
  };

  it.each([
    ['the image file of an image added raw (--no-compress)', 'raw'],
    ['the chunk pack of a compressed image (the default)', 'pack'],
  ] as const)('%s: is marked broken at the first bad chunk; agents stop with the reason (exit 7) instead of looping', async (_name, where) => {
    work = workDir();
    lan = Lan.create({ clients: 2 });
    const l = lan;
    const file = path.join(work, 'image.img');
    const img = await writeSampleImage(file, { size: 24 * MiB, seed: 7, full: true });
    if (where === 'pack') {
      // 16 symbols per byte: zstd stores ~0.6 of each chunk, so the pack holds real frames.
      writeFileSync(file, readFileSync(file).map((x) => 0x40 | (x & 0x0f)));
    }
    dp = await startDp(l, l.server, { dataDir: path.join(work, 'dp'), maxRate: '200mbit' });
    const d = dp;
    // Hard-linked into the image root: the edit below changes what the DP reads.
    const add = await dpCli(l, d, ['image', 'add', 'img', placeImage(path.join(work, 'dp'), img.path), '--json', ...(where === 'raw' ? ['--no-compress'] : [])]);
    expect(add.code).toBe(0);
    const hash = (JSON.parse(add.stdout) as { manifestHash: string }).manifestHash;
    const manifest = JSON.parse(readFileSync(path.join(work, 'dp', 'manifests', `${hash}.json`), 'utf8')) as { compression?: { sizes: number[] } };
    if (where === 'raw') {
      expect(manifest.compression).toBeUndefined();
      // One byte of chunk 5 (not among the 8 sampled chunks of 24: 0 3 7 10 13 16 20 23), mtime kept.
      flip(img.path, 5 * MiB + 100);
    } else {
      const sizes = manifest.compression?.sizes ?? [];
      expect(sizes[5]).toBeLessThan(0.7 * MiB);
      // One byte inside chunk 5's frame in the pack.
      flip(path.join(work, 'dp', 'packs', `${hash}.zst`), sizes.slice(0, 5).reduce((a, b) => a + b, 0) + 100);
    }

    const t0 = Date.now();
    const agents = l.clients.map((h: Host) => agentOn(l, h, d, work as string, 'img'));
    const ends = await Promise.all(agents.map((a) => a.ended));
    for (const e of ends) {
      expect(e.code).toBe(7);
      expect(e.stderr).toMatch(/image img is broken on the DP \(.*chunk 5 no longer matches the manifest\): remove it and add it again/);
      expect(e.stderr).not.toMatch(/delivered nothing/);
    }
    expect((Date.now() - t0) / 1000).toBeLessThan(30);

    const list = await dpCli(l, d, ['image', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'img', broken: expect.objectContaining({ reason: expect.stringMatching(/chunk 5/) }) })]);
    expect((await dpCli(l, d, ['image', 'list'])).stdout).toMatch(/BROKEN/);

    // A later agent is refused at once, without a session.
    const late = agentOn(l, l.clients[0] as Host, d, path.join(work, 'late'), 'img');
    const e = await late.ended;
    expect(e.code).toBe(7);
    expect(e.stderr).toMatch(/says: image img is broken/);
  });
});
