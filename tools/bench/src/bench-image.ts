// The benchmark's image: the seeded incompressible file (--image random, the rows kept since the
// first benchmark: no used-block map or compression can help there) or the realistic Debian + NTFS
// disk (--image realistic), which castpoint adds with --used-blocks and, when the DP can send
// compressed chunks, --compress. The peers send either file as it is.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ImageKind } from './args';
import { buildRealisticImage } from './realimage/build';
import { writeSampleImage } from './sample-image';

export interface BenchImage {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** Per run: a 2 GiB disk at 500 Mbit/s with loss takes minutes, not the random rows' seconds. */
  readonly timeoutMs: number;
  readonly castpointImageFlags: readonly string[];
}

/** True when `castpoint-dp image add` of this build takes --compress (the zstd chunk packs). */
export function dpHasCompress(dpBundle: string): boolean {
  const r = spawnSync(process.execPath, [dpBundle, 'image', 'add', '--help'], { encoding: 'utf8' });
  return /--compress\b/.test(`${r.stdout}${r.stderr}`);
}

export async function benchImage(kind: ImageKind, o: { dir: string; sizeMiB: number; dpBundle: string | undefined }): Promise<BenchImage> {
  if (kind === 'random') {
    const s = await writeSampleImage(path.join(o.dir, 'image.bin'), { size: o.sizeMiB * 1024 * 1024, seed: 42, full: true });
    return { path: s.path, sha256: s.sha256, size: s.size, timeoutMs: 300_000, castpointImageFlags: [] };
  }
  const r = await buildRealisticImage();
  const compress = o.dpBundle !== undefined && dpHasCompress(o.dpBundle);
  return { path: r.path, sha256: r.sha256, size: r.size, timeoutMs: 900_000, castpointImageFlags: ['--used-blocks', ...(compress ? ['--compress'] : [])] };
}
