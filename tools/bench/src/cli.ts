// castpoint benchmark: the same image over the same private LAN with castpoint and its peers
// (udpcast, UFTP, N parallel HTTP downloads), and optionally `--tools floor` (bare node:dgram, no
// protocol: what this machine can do at all) and `floor-auth` (the same plus the per-datagram tag
// and per-MiB hash no verified receiver can skip), and `castpoint@DIR` for another build's dist
// directory, to alternate two builds; see docs/benchmarks.md. Run as root: `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, handleInterrupts, Lan, onInterrupt, probeSupport } from '@castpoint/netlab';
import { runFloor, runHttp, runUdpcast, runUftp, type TransferResult, type TransferSpec } from './peers';
import { runCastpoint } from './castpoint-runner';
import type { CastpointBuild } from './castpoint-build';
import { bottleneckBps, parseArgs, usage, wantsHelp, type Case } from './args';
import { benchImage } from './bench-image';
import { formatTable, type Row } from './report';
import { summarizeRuns } from './repeat';
import { summarizeCpu } from './cpu-per-gib';
import { combineVerdicts, judgeIdle, probeBox, verdictCell, type IdleVerdict } from './idle-check';

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
  // A random-image run on a quiet box takes under 30 s, but over 2 minutes at load 30 (2026-12-06):
  // a peer that hangs gives up after the image's limit (5 min for random, 15 for realistic).
  const spec: TransferSpec = {
    lan,
    image: image.path,
    imageSha256: image.sha256,
    receivers: lan.clients,
    workDir,
    timeoutMs: image.timeoutMs,
    // Every tool's cap is 95% of the slowest path, as a hand-tuned cap would be.
    ...(bottleneckBps(c) ? { linkBps: bottleneckBps(c) } : {}),
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

/**
 * A segmented send (UDP_SEGMENT, the DP's batchedSends) would otherwise cross the veth and the
 * bridge as one packet and be cut into datagrams only at each receiver's socket: the receivers'
 * random loss (nftables, per packet) would then drop 16 datagrams at a time, a loss no real
 * link has. With at most one segment per packet on the server's eth0 the kernel cuts it right
 * after the shaper, in software, as for a NIC without UDP segmentation offload: every datagram
 * crosses the LAN, and meets the loss, on its own. No effect on tools that send datagrams singly.
 */
async function segmentAtServerLink(lan: Lan): Promise<void> {
  const r = await collect(lan.spawn(lan.server, 'ip', ['link', 'set', 'dev', 'eth0', 'gso_max_segs', '1']), 10_000);
  if (r.code !== 0) throw new Error(`cannot limit eth0 to one segment per packet: ${r.stderr}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(usage(Object.keys(PEER_RUNNERS)));
    return;
  }
  // Before any LAN: Ctrl-C, a kill or `| head` must not leave namespaces, processes or the image.
  handleInterrupts();
  const { cases, image: kind, sizeMiB, tools, repeat, builds, requireIdle } = parseArgs(argv, path.resolve(__dirname, '../../../dist'), Object.keys(PEER_RUNNERS));
  const support = probeSupport();
  if (!support.lan) throw new Error(`the benchmark needs network namespaces: ${support.why ?? ''}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-bench-'));
  onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const rows: Row[] = [];
  try {
    const image = await benchImage(kind, { dir, sizeMiB, dpBundle: builds.get('castpoint')?.dp });
    for (const c of cases) {
      const lan = Lan.create({ clients: c.receivers, ...(c.mtu !== undefined ? { mtu: c.mtu } : {}) });
      try {
        lan.clients.forEach((h) => lan.setLoss(h, c.loss));
        lan.setRate(lan.server, c.linkBps ? `${c.linkBps / 1e6}mbit` : undefined);
        const [slow] = lan.clients;
        if (c.slowBps && slow) lan.setReceiveRate(slow, `${c.slowBps / 1e6}mbit`);
        await segmentAtServerLink(lan);
        // With --repeat the tools take turns (A B A B ...), so each sees the same stretch of time.
        const results = new Map<string, (TransferResult | undefined)[]>(tools.map((t) => [t, []]));
        const boxes = new Map<string, IdleVerdict[]>(tools.map((t) => [t, []]));
        for (let round = 0; round < repeat; round++) {
          for (const tool of tools) {
            // Checked before every run: a row is only as trustworthy as its busiest run.
            const box = judgeIdle(probeBox());
            if (!box.idle && requireIdle) throw new Error(`the box is busy (${box.reasons.join('; ')}): no run started (--require-idle)`);
            if (!box.idle) process.stderr.write(`${tool}: box ${verdictCell(box)}\n`);
            boxes.get(tool)?.push(box);
            const r = await runTool(tool, c, lan, image, dir, builds.get(tool));
            results.get(tool)?.push(r);
            if (r) process.stderr.write(`${tool} r=${c.receivers} loss=${c.loss} link=${c.linkBps ?? 'none'}${c.slowBps ? ` slow1=${c.slowBps}` : ''}${c.mtu !== undefined ? ` mtu=${c.mtu}` : ''}: ${r.wallSeconds.toFixed(2)} s verified=${r.verified} cpu ${r.senderCpuSeconds.toFixed(2)} s, receivers ${r.receiverCpuSeconds.map((x) => x.toFixed(2)).join(' ')} s; ${(r.bytesSent / 1e6).toFixed(1)} MB sent${r.phases ? `; ${r.phases}` : ''}\n`);
          }
        }
        for (const tool of tools) {
          const sum = summarizeRuns(results.get(tool) ?? []);
          if (!sum) continue;
          const done = (results.get(tool) ?? []).filter((r): r is TransferResult => r !== undefined);
          const box = combineVerdicts(boxes.get(tool) ?? []);
          rows.push({
            ...c,
            imageBytes: image.size,
            result: { ...sum.median, verified: sum.allVerified },
            cpu: summarizeCpu(done, image.size),
            ...(box ? { box } : {}),
            ...(repeat > 1 ? { runs: { walls: sum.walls, failed: sum.failed } } : {}),
          });
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
