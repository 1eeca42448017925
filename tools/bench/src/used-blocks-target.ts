// What a castpoint target must hold after a deployment of an image added with --used-blocks: the
// image's bytes in every chunk the manifest does not list unused, zeros (a new target file's holes)
// in the unused ones, which are never sent nor written.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Lan } from '@castpoint/netlab';
import { dpCli, type RunningDp } from './fleet';

/** SHA-256 of `image` with the chunks in `unused` (of `chunkSize`) read as zeros. Pure over the file. */
export async function sha256WithUnusedZeroed(image: string, chunkSize: number, unused: ReadonlySet<number>): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(image, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(chunkSize);
    for (let c = 0; c * chunkSize < size; c++) {
      const len = Math.min(chunkSize, size - c * chunkSize);
      if (unused.has(c)) {
        h.update(Buffer.alloc(len));
        continue;
      }
      const { bytesRead } = await fh.read(buf, 0, len, c * chunkSize);
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** The expected target of the DP's one image, from its manifest in `dataDir`. */
export async function expectedTargetSha256(lan: Lan, dp: RunningDp, dataDir: string, image: string): Promise<string> {
  const list = await dpCli(lan, dp, ['image', 'list', '--json']);
  const [img] = JSON.parse(list.stdout) as Array<{ manifestHash: string }>;
  if (!img) throw new Error(`image list shows no image: ${list.stderr}`);
  const m = JSON.parse(readFileSync(path.join(dataDir, 'manifests', `${img.manifestHash}.json`), 'utf8')) as { chunkSize: number; unusedChunks?: number[] };
  return sha256WithUnusedZeroed(image, m.chunkSize, new Set(m.unusedChunks ?? []));
}
