// Import throughput of a real image file as `image add` imports it (docs/chunking.md, "Import in
// worker threads"): MB/s of the source file (wall time) and CPU seconds per GiB of source (every
// thread of the process), on the calling thread (--workers 0) against the worker pool. The pack
// goes to a temp folder, removed afterwards; the file is read once first so the page cache is warm.
//
//   node tools/build/bundle.mjs apps/dp-server/src/images/import.bench.ts dist/bench/dp-import.cjs
//   node dist/bench/dp-import.cjs FILE [--used-blocks] [--no-compress] [--level N] [--workers 0,1,2] [--runs N]
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ZSTD_LEVEL, defaultImportWorkers, importImage, type UsedBlockMap } from '@castpoint/chunking';
import { mapImageFile } from './used-blocks';

interface Run {
  readonly workers: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly storedBytes: number;
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function warm(file: string): Promise<void> {
  for await (const _chunk of createReadStream(file, { highWaterMark: 16 << 20 })) {
    // read only: the page cache keeps it
  }
}

async function timed(file: string, workers: number, usedMap: UsedBlockMap | undefined, level: number | undefined, dir: string): Promise<Run> {
  const packPath = join(dir, `w${workers}.zst`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await importImage(file, { workers, ...(usedMap ? { usedMap } : {}), ...(level !== undefined ? { compress: { packPath, level } } : {}) });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  rmSync(packPath, { force: true });
  rmSync(`${packPath}.idx`, { force: true });
  const sizes = r.manifest.compression?.sizes;
  return { workers, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, storedBytes: sizes ? sizes.reduce((a, b) => a + b, 0) : r.manifest.size };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args[0];
  if (file === undefined || file.startsWith('--')) throw new Error('usage: dp-import.cjs FILE [--used-blocks] [--no-compress] [--level N] [--workers 0,1,2] [--runs N]');
  const size = (await stat(file)).size;
  const level = args.includes('--no-compress') ? undefined : Number(argValue(args, '--level') ?? DEFAULT_ZSTD_LEVEL);
  const workerCounts = (argValue(args, '--workers') ?? `0,${defaultImportWorkers()}`).split(',').map(Number);
  const runs = Number(argValue(args, '--runs') ?? 1);
  const usedMap = args.includes('--used-blocks') ? await mapImageFile(file, size) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'castpoint-import-bench-'));
  const GiB = 1024 ** 3;
  try {
    await warm(file);
    console.log(`${file}: ${(size / 1e6).toFixed(1)} MB${usedMap ? `, used-block map (${usedMap.source})` : ''}, ${level === undefined ? 'no compression' : `zstd level ${level}`}; load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores`);
    console.log('| workers | MB/s of source | CPU s | CPU s per GiB | stored / source |\n| --- | --- | --- | --- | --- |');
    for (const w of workerCounts) {
      for (let i = 0; i < runs; i++) {
        const r = await timed(file, w, usedMap, level, dir);
        console.log(`| ${w === 0 ? '0 (calling thread)' : `${w} (+1 whole-image hash)`} | ${(size / 1e6 / r.wallSeconds).toFixed(1)} | ${r.cpuSeconds.toFixed(2)} | ${(r.cpuSeconds / (size / GiB)).toFixed(2)} | ${(r.storedBytes / size).toFixed(3)} |`);
        console.log(JSON.stringify({ bench: 'dp-import', file, size, level: level ?? null, usedBlocks: usedMap !== undefined, ...r, loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)) }));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
