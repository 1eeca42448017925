// Issue 26 (compression, first part): `image add --compress` stores a zstd chunk pack beside the
// DP's state and a manifest with `compression`. Until sending uses the pack, such an image must
// deploy exactly as before: two agents in a namespace LAN get it by multicast and verify it.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dpCli, placeImage, startDp, stopDp, type RunningDp } from '@castpoint/bench';
import { describeLan, Lan, type Host } from '@castpoint/netlab';
import type { Manifest } from '@castpoint/wire';
import { agentOn, expectVerified, requireBuilt, workDir, type Ctx } from './e2e-helpers';

const MiB = 1024 * 1024;

describeLan('a compressed image', () => {
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

  it('is imported with a chunk pack and deploys to two agents by multicast, verified', async () => {
    work = workDir();
    lan = Lan.create({ clients: 2 });
    const l = lan;
    // 12 MiB: log-like text (compresses), zeros, the node binary (compresses a little), text.
    const line = 'Dec  6 07:00:00 ref systemd[1]: Started Session 4 of user admin.\n';
    const text = Buffer.from(line.repeat(Math.ceil((4 * MiB) / line.length))).subarray(0, 4 * MiB);
    const bytes = Buffer.concat([text, Buffer.alloc(2 * MiB), readFileSync(process.execPath).subarray(0, 2 * MiB), text]);
    const file = path.join(work, 'image.img');
    writeFileSync(file, bytes);
    const dataDir = path.join(work, 'dp');
    dp = await startDp(l, l.server, { dataDir, maxRate: '200mbit' });
    const d = dp;
    const add = await dpCli(l, d, ['image', 'add', 'img', placeImage(dataDir, file), '--compress', '--compress-level', '3', '--json']);
    expect(add.code).toBe(0);
    const hash = (JSON.parse(add.stdout) as { manifestHash: string }).manifestHash;
    const m = JSON.parse(readFileSync(path.join(dataDir, 'manifests', `${hash}.json`), 'utf8')) as Manifest;
    const sizes = m.compression?.sizes ?? [];
    expect(m.compression).toMatchObject({ codec: 'zstd', level: 3 });
    const packBytes = sizes.reduce((a, b) => a + b, 0);
    expect(statSync(path.join(dataDir, 'packs', `${hash}.zst`)).size).toBe(packBytes);
    // Text chunks shrink far; the whole pack is well under half the non-zero data.
    expect(packBytes).toBeLessThan(5 * MiB);

    const c = { img: { sha256: createHash('sha256').update(bytes).digest('hex') } } as unknown as Ctx;
    const agents = l.clients.map((h: Host) => agentOn(l, h, d, work as string, 'img'));
    await expectVerified(c, agents);
  });
});
