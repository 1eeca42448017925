// CPU of the DP's check of each chunk it reads from a chunk pack for sending: decoding every frame
// and hashing the raw chunk (a pack without an index) against hashing the stored bytes the pack
// index lists (docs/chunking.md, "The DP's check of what it sends"). Imports FILE compressed into
// a temp folder (removed afterwards), then reads every sent chunk once each way.
//   node tools/build/bundle.mjs libs/chunking/src/bench/read-check.bench.ts dist/bench/chunking-read-check.cjs
//   node dist/bench/chunking-read-check.cjs FILE
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkSource } from '../chunk-source';
import { importImage } from '../import-image';
import { untransmittedChunks } from '../manifest-codec';
import { packIndexPath } from '../pack-index';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: chunking-read-check.cjs FILE');
  const dir = mkdtempSync(join(tmpdir(), 'castpoint-read-check-'));
  try {
    const packPath = join(dir, 'pack.zst');
    const r = await importImage(file, { compress: { packPath } });
    const skip = new Set(untransmittedChunks(r.manifest));
    const sent = r.manifest.chunks.map((_h, i) => i).filter((i) => !skip.has(i));
    const stored = sent.reduce((a, i) => a + (r.manifest.compression?.sizes[i] ?? 0), 0);
    const raw = sent.length * r.manifest.chunkSize;
    for (const mode of ['stored-sha256', 'decode']) {
      if (mode === 'decode') renameSync(packIndexPath(packPath), `${packPath}.away`);
      const src = await ChunkSource.open(file, r.manifest, r.fingerprint, { packPath, cacheChunks: 1 });
      const cpu0 = process.cpuUsage();
      for (const c of sent) await src.readChunk(c);
      const cpu = process.cpuUsage(cpu0);
      await src.close();
      const s = (cpu.user + cpu.system) / 1e6;
      console.log(`${src.readCheck}: ${sent.length} chunks (${(raw / 1e6).toFixed(0)} MB raw, ${(stored / 1e6).toFixed(0)} MB stored) read and checked in ${s.toFixed(2)} CPU s, ${(s / (raw / 2 ** 30)).toFixed(2)} CPU s per GiB of raw chunks; load ${(loadavg()[0] ?? 0).toFixed(1)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
