// castpoint benchmark: the same image over the same private LAN with castpoint and its peers
// (udpcast, UFTP, N parallel HTTP downloads), and optionally `--tools floor` (bare node:dgram, no
// protocol: what this machine can do at all); see docs/benchmarks.md. Run as root: `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lan, probeSupport } from '@castpoint/netlab';
import { runFloor, runHttp, runUdpcast, runUftp, type TransferResult, type TransferSpec } from './peers';
import { runCastpoint } from './castpoint-runner';
import { writeSampleImage } from './sample-image';
import { formatTable, type Row } from './report';

interface Case {
  readonly receivers: number;
  readonly loss: number;
  readonly linkBps?: number;
}

function parseArgs(argv: string[]): { cases: Case[]; sizeMiB: number; tools: string[] } {
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
  return { cases, sizeMiB: Number(get('size-mib') ?? '200'), tools };
}

function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|m|g)bit$/.exec(s);
  if (!m) throw new Error(`bad link rate ${s} (use e.g. 500mbit)`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2] as 'k' | 'm' | 'g'];
}

async function main(): Promise<void> {
  const support = probeSupport();
  if (!support.lan) throw new Error(`the benchmark needs network namespaces: ${support.why ?? ''}`);
  const { cases, sizeMiB, tools } = parseArgs(process.argv.slice(2));
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
        for (const tool of tools) {
          const workDir = mkdtempSync(path.join(dir, `${tool}-`));
          // Every successful run here takes under 30 s; a peer that hangs gives up after 2 minutes.
          const spec: TransferSpec = { lan, image: image.path, imageSha256: image.sha256, receivers: lan.clients, workDir, timeoutMs: 120_000, ...(c.linkBps ? { linkBps: c.linkBps } : {}) };
          let r: TransferResult | undefined;
          try {
            if (tool === 'castpoint') r = await runCastpoint(spec);
            else if (tool === 'udpcast') r = await runUdpcast(spec);
            else if (tool === 'uftp') r = await runUftp(spec);
            else if (tool === 'http') r = await runHttp(spec, httpServer);
            else if (tool === 'floor') r = await runFloor(spec, floorScript);
            else process.stderr.write(`unknown tool ${tool}\n`);
          } catch (err) {
            process.stderr.write(`${tool} failed: ${err instanceof Error ? err.message : String(err)}\n`);
          } finally {
            rmSync(workDir, { recursive: true, force: true });
          }
          if (r) rows.push({ ...c, imageBytes: image.size, result: r });
          if (r) process.stderr.write(`${tool} r=${c.receivers} loss=${c.loss} link=${c.linkBps ?? 'none'}: ${r.wallSeconds.toFixed(2)} s verified=${r.verified}\n`);
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
