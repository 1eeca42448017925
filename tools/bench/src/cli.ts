// castpoint benchmark: the same image over the same private LAN with castpoint and its peers
// (udpcast, UFTP, N parallel HTTP downloads), and optionally `--tools floor` (bare node:dgram, no
// protocol: what this machine can do at all) and `floor-auth` (the same plus the per-datagram tag
// and per-MiB hash no verified receiver can skip), and `castpoint@DIR` for another build's dist
// directory, to alternate two builds; see docs/benchmarks.md. Run as root: `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleInterrupts, Lan, onInterrupt, probeSupport } from '@castpoint/netlab';
import { runFloor, runHttp, runUdpcast, runUftp, type TransferResult, type TransferSpec } from './peers';
import { runCastpoint } from './castpoint-runner';
import type { CastpointBuild } from './castpoint-build';
import { parseArgs, usage, wantsHelp, type Case } from './args';
import { benchImage } from './bench-image';
import { formatTable, type Row } from './report';
import { summarizeRuns } from './repeat';

const HTTP_SERVER = path.resolve(__dirname, '../../../tools/bench/bin/http-serve.cjs');
const FLOOR_SCRIPT = path.resolve(__dirname, '../../../tools/bench/bin/floor.cjs');

/** The peers and floors by --tools name (castpoint's builds are castpoint-build.ts's). */
const PEER_RUNNERS: Readonly<Record<string, (spec: TransferSpec) => Promise<TransferResult>>> = {
  udpcast: (spec) => runUdpcast(spec),
  uftp: (spec) => runUftp(spec),
  http: (spec) => runHttp(spec, HTTP_SERVER),
  floor: (spec) => runFloor(spec, FLOOR_SCRIPT),
  'floor-auth': (spec) => runFloor(spec, FLOOR_SCRIPT, true),
};

/** One run of one tool in one case; undefined (reason on stderr) when it failed or hung. */
async function runTool(
  tool: string,
  c: Case,
  lan: Lan,
  image: { path: string; sha256: string; timeoutMs: number; castpointImageFlags: readonly string[] },
  dir: string,
  build: CastpointBuild | undefined,
): Promise<TransferResult | undefined> {
  // castpoint@DIR names a path: only its safe characters go into the directory name.
  const workDir = mkdtempSync(path.join(dir, `${tool.replace(/[^A-Za-z0-9-]+/g, '_')}-`));
  // Every successful run here takes under 30 s; a peer that hangs gives up after 2 minutes.
  const spec: TransferSpec = {
    lan,
    image: image.path,
    imageSha256: image.sha256,
    receivers: lan.clients,
    workDir,
    timeoutMs: image.timeoutMs,
    ...(c.linkBps ? { linkBps: c.linkBps } : {}),
    ...(image.castpointImageFlags.length > 0 ? { castpointImageFlags: image.castpointImageFlags } : {}),
  };
  try {
    if (build) return await runCastpoint(spec, build);
    const run = PEER_RUNNERS[tool];
    if (run) return await run(spec);
  } catch (err) {
    process.stderr.write(`${tool} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(usage(Object.keys(PEER_RUNNERS)));
    return;
  }
  // Before any LAN: Ctrl-C, a kill or `| head` must not leave namespaces, processes or the image.
  handleInterrupts();
  const { cases, image: kind, sizeMiB, tools, repeat, builds } = parseArgs(argv, path.resolve(__dirname, '../../../dist'), Object.keys(PEER_RUNNERS));
  const support = probeSupport();
  if (!support.lan) throw new Error(`the benchmark needs network namespaces: ${support.why ?? ''}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-bench-'));
  onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const rows: Row[] = [];
  try {
    const image = await benchImage(kind, { dir, sizeMiB, dpBundle: builds.get('castpoint')?.dp });
    for (const c of cases) {
      const lan = Lan.create({ clients: c.receivers });
      try {
        lan.clients.forEach((h) => lan.setLoss(h, c.loss));
        lan.setRate(lan.server, c.linkBps ? `${c.linkBps / 1e6}mbit` : undefined);
        // With --repeat the tools take turns (A B A B ...), so each sees the same stretch of time.
        const results = new Map<string, (TransferResult | undefined)[]>(tools.map((t) => [t, []]));
        for (let round = 0; round < repeat; round++) {
          for (const tool of tools) {
            const r = await runTool(tool, c, lan, image, dir, builds.get(tool));
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
