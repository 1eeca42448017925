import { createCipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * A sample disk image that looks like a real one to castpoint: a partition table area, partitions
 * holding incompressible data (AES-CTR keystream, deterministic for a seed) with large all-zero
 * stretches between and inside them, and a marker string at known offsets (the encryption test
 * looks for it in a packet capture). Written sparse: zero regions are holes.
 */
export interface SampleImageOptions {
  /** @default 256 MiB */
  readonly size?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Fill the whole image with data (no zero regions), as the benchmark's fair test file. @default false */
  readonly full?: boolean;
}

export interface SampleImage {
  readonly path: string;
  readonly size: number;
  readonly dataBytes: number;
  readonly sha256: string;
  readonly marker: string;
}

const MiB = 1024 * 1024;

/** [start, length) regions of data, as fractions of the image: the rest is zeros. */
const LAYOUT: ReadonlyArray<readonly [number, number]> = [
  [0, 0.004], // partition table and boot area
  [0.01, 0.3], // "system" partition: mostly full
  [0.35, 0.05], // scattered files
  [0.45, 0.12],
  [0.7, 0.08], // a second partition, partly used
  [0.9, 0.02],
];

export function sampleMarker(seed: number): string {
  return `CASTPOINT-SECRET-MARKER-${seed}-7f3a9c`;
}

export async function writeSampleImage(path: string, opts: SampleImageOptions = {}): Promise<SampleImage> {
  const size = opts.size ?? 256 * MiB;
  const seed = opts.seed ?? 1;
  const key = createHash('sha256').update(`castpoint-sample-${seed}`).digest().subarray(0, 16);
  const ctr = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const marker = Buffer.from(sampleMarker(seed));
  const whole = createHash('sha256');
  const fh = await open(path, 'w');
  let dataBytes = 0;
  try {
    await fh.truncate(size);
    const layout: ReadonlyArray<readonly [number, number]> = opts.full ? [[0, 1]] : LAYOUT;
    const regions = layout.map(([s, l]) => {
      const start = Math.floor((s * size) / 4096) * 4096;
      const end = Math.min(size, Math.floor(((s + l) * size) / 4096) * 4096);
      return [start, end] as const;
    });
    let pos = 0;
    const zeros = Buffer.alloc(4 * MiB);
    const hashZeros = (n: number): void => {
      for (let left = n; left > 0; left -= zeros.length) whole.update(zeros.subarray(0, Math.min(left, zeros.length)));
    };
    for (const [start, end] of regions) {
      if (end <= start) continue;
      hashZeros(start - pos);
      for (let off = start; off < end; off += 4 * MiB) {
        const n = Math.min(4 * MiB, end - off);
        const buf = ctr.update(Buffer.alloc(n));
        // Plant the marker at the start of each 4 MiB piece of data, where a leak would show.
        marker.copy(buf, 0, 0, Math.min(marker.length, n));
        await fh.write(buf, 0, n, off);
        whole.update(buf);
        dataBytes += n;
      }
      pos = end;
    }
    hashZeros(size - pos);
  } finally {
    await fh.close();
  }
  return { path, size, dataBytes, sha256: whole.digest('hex'), marker: marker.toString() };
}
