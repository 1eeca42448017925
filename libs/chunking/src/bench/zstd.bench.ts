// Chunk zstd benchmark: compresses 1 MiB chunks of realistic data at levels 3 and 19 and decodes
// them, printing the ratio and MB/s per core (CPU time of this thread, so other load on a shared
// machine slows it less than wall time would), for both engines in turn: node:zlib's zstd (what
// loadZstd gives on Node 22.15+) and the WASM kept for a Node without it. Bundled like the agent,
// so it also proves the inlined WASM loads without node_modules.
// Run: npx nx run chunking:bench-zstd
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadWasmZstd, nodeZstd, type ChunkZstd } from '../chunk-compression';

const MiB = 1024 * 1024;

/** 1 MiB from the middle of the running node binary: machine code and data, as on an OS disk. */
function binarySample(): Buffer {
  const bin = readFileSync(process.execPath);
  const at = Math.floor(bin.length / 2);
  return bin.subarray(at, at + MiB);
}

/** 1 MiB of text files (licences, docs, sources), as in /usr/share or a Windows folder of logs and XML. */
function textSample(): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  const queue = ['/usr/share/common-licenses', '/usr/share/doc', join(process.cwd(), 'docs'), join(process.cwd(), 'libs')];
  while (queue.length > 0 && total < MiB) {
    const p = queue.shift() ?? '';
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        queue.push(...readdirSync(p).sort().map((n) => join(p, n)));
        continue;
      }
      const b = readFileSync(p);
      if (!st.isFile() || b.includes(0) || b[0] === 0x1f) continue; // binary or gzip
      parts.push(b);
      total += b.length;
    } catch {
      continue;
    }
  }
  if (total < MiB) throw new Error('not 1 MiB of text found');
  return Buffer.concat(parts).subarray(0, MiB);
}

function cpuSecondsPer(fn: () => void, runs: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6 / runs;
}

async function main(): Promise<void> {
  const engines: ChunkZstd[] = [nodeZstd(), await loadWasmZstd()].filter((z): z is ChunkZstd => z !== undefined);
  const samples: Record<string, Buffer> = { binary: binarySample(), text: textSample(), random: randomBytes(MiB) };
  console.log('engine     sample  level  ratio  compress MB/s/core  decompress MB/s/core');
  for (const [name, raw] of Object.entries(samples)) for (const zstd of engines) {
    const hash = createHash('sha256').update(raw).digest('hex');
    for (const level of [3, 19]) {
      let frame: Buffer = Buffer.alloc(0);
      const c = cpuSecondsPer(() => (frame = zstd.compress(raw, level)), level >= 19 ? 2 : 10);
      // Decode as the agent does: size check, decompress, SHA-256 of the raw chunk.
      const d = cpuSecondsPer(() => zstd.decompress(frame, 0, raw.length, hash), 30);
      const h = cpuSecondsPer(() => createHash('sha256').update(raw).digest(), 30);
      console.log(
        `${zstd.engine.padEnd(10)} ${name.padEnd(7)} ${String(level).padStart(5)}  ${(raw.length / frame.length).toFixed(2).padStart(5)}  ${(raw.length / MiB / c).toFixed(1).padStart(18)}  ${(raw.length / MiB / d).toFixed(0).padStart(20)}   (of which SHA-256 alone: ${(raw.length / MiB / h).toFixed(0)} MB/s)`,
      );
    }
  }
}

void main();
