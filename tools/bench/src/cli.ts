// castpoint benchmark: the same image over the same private LAN with castpoint and its peers
// (udpcast, UFTP, N parallel HTTP downloads), and optionally `--tools floor` (bare node:dgram, no
// protocol: what this machine can do at all) and `floor-auth` (the same plus the per-datagram tag
// and per-MiB hash no verified receiver can skip); see docs/benchmarks.md. Run as root: `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lan, probeSupport } from '@castpoint/netlab';
import { runFloor, runHttp, runUdpcast, runUftp, type TransferResult, type TransferSpec } from './peers';
import { runCastpoint } from './castpoint-runner';
import { writeSampleImage } from './sample-image';
import { formatTable, type Row } from './report';
import { summarizeRuns } from './repeat';

interface Case {
  readonly receivers: number;
  readonly loss: number;
  readonly linkBps?: number;
}

function parseArgs(argv: string[]): { cases: Case[]; sizeMiB: number; tools: string[]; repeat: number } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const receivers = (get('receivers') ?? '1,4,8').split(',').map(Number);
  const losses = (get('loss') ?? '0,0.01,0.05').split(',').map(Number);
  const links = (get('link') ?? '500mbit,none').split(',');
  const tools = (get('tools') ?? 'castpoint,udpcast,uftp,http').split(',');
  const cases: Case[] = [];
  for (const link of links) {
    for (const r of receivers) {
      for (const loss of losses) {
        cases.push({ receivers: r, loss, ...(link === 'none' ? {} : { linkBps: parseRate(link) }) });
      }
    }
  }
  const repeat = Number(get('repeat') ?? '1');
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new Error(`--repeat must be an integer from 1 to 20, got ${get('repeat') ?? ''}`);
  return { cases, sizeMiB: Number(get('size-mib') ?? '200'), tools, repeat };
}

function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|m|g)bit$/.exec(s);
  if (!m) throw new Error(`bad link rate ${s} (use e.g. 500mbit)`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2] as 'k' | 'm' | 'g'];
}

/** One run of one tool in one case; undefined (reason on stderr) when it failed or hung. */
async function runTool(
  tool: string,
  c: Case,
  lan: Lan,
  image: { path: string; sha256: string },
  dir: string,
  httpServer: string,
  floorScript: string,
): Promise<TransferResult | undefined> {
  const workDir = mkdtempSync(path.join(dir, `${tool}-`));
  // Every successful run here takes under 30 s; a peer that hangs gives up after 2 minutes.
  const spec: TransferSpec = { lan, image: image.path, imageSha256: image.sha256, receivers: lan.clients, workDir, timeoutMs: 120_000, ...(c.linkBps ? { linkBps: c.linkBps } : {}) };
  try {
    if (tool === 'castpoint') return await runCastpoint(spec);
    if (tool === 'udpcast') return await runUdpcast(spec);
    if (tool === 'uftp') return await runUftp(spec);
    if (tool === 'http') return await runHttp(spec, httpServer);
    if (tool === 'floor') return await runFloor(spec, floorScript);
    if (tool === 'floor-auth') return await runFloor(spec, floorScript, true);
    process.stderr.write(`unknown tool ${tool}\n`);
  } catch (err) {
    process.stderr.write(`${tool} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return undefined;
}

async function main(): Promise<void> {
  const support = probeSupport();
  if (!support.lan) throw new Error(`the benchmark needs network namespaces: ${support.why ?? ''}`);
  const { cases, sizeMiB, tools, repeat } = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-bench-'));
  const rows: Row[] = [];
  try {
    const image = await writeSampleImage(path.join(dir, 'image.bin'), { size: sizeMiB * 1024 * 1024, seed: 42, full: true });
    const httpServer = path.resolve(__dirname, '../../../tools/bench/bin/http-serve.cjs');
    const floorScript = path.resolve(__dirname, '../../../tools/bench/bin/floor.cjs');
    for (const c of cases) {
      const lan = Lan.create({ clients: c.receivers });
      try {
        lan.clients.forEach((h) => lan.setLoss(h, c.loss));
        lan.setRate(lan.server, c.linkBps ? `${c.linkBps / 1e6}mbit` : undefined);
        // With --repeat the tools take turns (A B A B ...), so each sees the same stretch of time.
        const results = new Map<string, (TransferResult | undefined)[]>(tools.map((t) => [t, []]));
        for (let round = 0; round < repeat; round++) {
          for (const tool of tools) {
            const r = await runTool(tool, c, lan, image, dir, httpServer, floorScript);
            results.get(tool)?.push(r);
            if (r) process.stderr.write(`${tool} r=${c.receivers} loss=${c.loss} link=${c.linkBps ?? 'none'}: ${r.wallSeconds.toFixed(2)} s verified=${r.verified}\n`);
          }
        }
        for (const tool of tools) {
          const sum = summarizeRuns(results.get(tool) ?? []);
          if (!sum) continue;
          rows.push({ ...c, imageBytes: image.size, result: { ...sum.median, verified: sum.allVerified }, ...(repeat > 1 ? { runs: { walls: sum.walls, failed: sum.failed } } : {}) });
        }
      } finally {
        lan.destroy();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { table, json } = formatTable(rows);
  console.log(table);
  console.log(JSON.stringify(json));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
