// Issue 26, the CPU check: the agent's CPU seconds for one image deployed raw and deployed
// compressed (`image add --compress`), alternated, in a namespace LAN (one DP, one agent). Not a
// test (the numbers depend on the machine): a measurement, reported in docs/chunking.md.
//
//   node tools/build/bundle.mjs tests/integration/compressed-cpu.measure.ts dist/tools/bench/compressed-cpu.cjs
//   sudo node dist/tools/bench/compressed-cpu.cjs IMAGE [REPEATS] [RATE]   (after the build: dist/ bundles)
//
// IMAGE: a file (docs/chunking.md uses 200 MiB of /usr from a Debian system, made with tar).
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dpCli, placeImage, startAgent, startDp, stopDp } from '@castpoint/bench';
import { collect, Lan } from '@castpoint/netlab';

interface Line {
  readonly state?: string;
  readonly cpuSeconds?: number;
  readonly totalBytes?: number;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(file)) h.update(b as Buffer);
  return h.digest('hex');
}

async function main(): Promise<void> {
  const [image, repeatsArg, rate] = process.argv.slice(2);
  if (!image) throw new Error('usage: compressed-cpu IMAGE [REPEATS] [RATE]');
  const repeats = Number(repeatsArg ?? 3);
  const work = mkdtempSync(path.join(tmpdir(), 'castpoint-zcpu-'));
  const lan = Lan.create({ clients: 1 });
  try {
    const dataDir = path.join(work, 'dp');
    const dp = await startDp(lan, lan.server, { dataDir, maxRate: rate ?? '300mbit', readyTimeoutMs: 120_000 });
    try {
      const placed = placeImage(dataDir, image);
      for (const [name, flags] of [['raw', ['--no-compress']], ['zstd', ['--compress']]] as const) {
        const add = await dpCli(lan, dp, ['image', 'add', name, placed, ...flags]);
        if (add.code !== 0) throw new Error(`image add ${name}: ${add.stderr}`);
      }
      const want = await sha256(image);
      const host = lan.clients[0];
      if (!host) throw new Error('no client');
      const rows: Array<{ name: string; cpu: number; wall: number }> = [];
      for (let r = 0; r < repeats; r++) {
        for (const name of r % 2 === 0 ? ['raw', 'zstd'] : ['zstd', 'raw']) {
          const dir = path.join(work, `${name}-${r}`);
          mkdirSync(dir, { recursive: true });
          const target = path.join(dir, 'disk.img');
          const t0 = Date.now();
          const proc = startAgent(lan, host, dp, { image: name, target, stateDir: path.join(dir, 'state'), extra: ['--verbose'] });
          const end = await collect(proc, 600_000);
          const lines = end.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
          const last = lines[lines.length - 1];
          if (end.code !== 0 || (await sha256(target)) !== want) throw new Error(`${name} run ${r}: exit ${String(end.code)} ${end.stderr.slice(-800)}`);
          const cpu = last?.cpuSeconds ?? NaN;
          rows.push({ name, cpu, wall: (Date.now() - t0) / 1000 });
          const info = end.stderr.split('\n').filter((l) => /decompressed|direct I\/O/.test(l));
          console.log(`${name} run ${r}: ${cpu.toFixed(2)} CPU s, ${((Date.now() - t0) / 1000).toFixed(1)} s wall; ${info.join(' | ')}`);
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const gib = (await import('node:fs')).statSync(image).size / 2 ** 30;
      for (const name of ['raw', 'zstd']) {
        const cpus = rows.filter((x) => x.name === name).map((x) => x.cpu);
        console.log(`${name}: agent CPU s ${cpus.map((c) => c.toFixed(2)).join(', ')}; median ${median(cpus).toFixed(2)} = ${(median(cpus) / gib).toFixed(2)} CPU s per GiB`);
      }
      const ratio = median(rows.filter((x) => x.name === 'zstd').map((x) => x.cpu)) / median(rows.filter((x) => x.name === 'raw').map((x) => x.cpu));
      console.log(`compressed / raw: ${ratio.toFixed(2)}x`);
    } finally {
      await Promise.race([stopDp(dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
  } finally {
    lan.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
