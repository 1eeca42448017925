// Issue 24's scale: 10,000 machines, 100 collections, 50 deployments, with the DP's state in
// PGlite (the default, DATA_DIR/db) and in a PostgreSQL server the bench starts itself (skipped
// without the binaries). For each: the store is filled, then `castpoint-dp serve` (the built
// bundle) is started on 127.0.0.1 and measured: start-up time and RSS with that data, the agent's
// POST /api/v1/agent/assignment under an open-loop load of 200 requests/s over HTTP, and the
// listing of all 10,000 machines through GET /api/v1/machines pages. Prints a table, then one JSON
// line. Run: npx nx run dp-server:bench   (FLEET_BENCH_MACHINES, FLEET_BENCH_RATE,
// FLEET_BENCH_SECONDS change the size, the rate and the length of the load; FLEET_BENCH_DP_NODE_ARGS
// are given to the DP's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; FLEET_BENCH_DP_MAIN runs
// another bundle than dist/apps/dp-server/main.cjs, e.g. a build of the previous commit).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DpStore } from '../src/store/dp-store';
import type { StoreLocation } from '../src/store/open';
import { findPostgresBin, startTestPostgres } from '../src/store/testing/postgres-server';
import { ADMIN, CLIENT, STALL_MS, startDp, type LoopStalls } from './dp-process';
import { fillFleet, mac, type FleetSize } from './fleet-fill';
import { pacedLoad, quantile, type LoadResult } from './paced-load';

const ROOT = path.resolve(__dirname, '../..');
const SIZE: FleetSize = { machines: Number(process.env['FLEET_BENCH_MACHINES'] ?? '10000'), collections: 100, deployments: 50 };
const RATE = Number(process.env['FLEET_BENCH_RATE'] ?? '200');
const SECONDS = Number(process.env['FLEET_BENCH_SECONDS'] ?? '20');
const DP_NODE_ARGS = (process.env['FLEET_BENCH_DP_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const DP_MAIN = process.env['FLEET_BENCH_DP_MAIN'] || undefined;
const PAGE = 500;
const SEQUENTIAL = 300;
/** fleet-fill.ts's deployments use img0..img(IMAGES-1). */
const IMAGES = 5;

interface Result {
  backend: string;
  fillS: number;
  startMs: number;
  rssIdleMiB: number;
  rssLoadedMiB: number;
  assign: LoadResult;
  /** The DP's CPU per assignment under the load (user + system): what the box's load cannot inflate much. */
  assignCpuMs: number;
  /** The DP's event-loop stalls (> STALL_MS) during the load: what makes a tail even one request at a time. */
  loadStalls: LoopStalls;
  /** One request at a time (no queue): the answer's own time. */
  seqP50Ms: number;
  seqP99Ms: number;
  listAllMs: number;
  listPageP99Ms: number;
  pages: number;
}

async function listAll(url: string): Promise<{ ms: number; pageP99: number; pages: number }> {
  const t0 = performance.now();
  const pageTimes: number[] = [];
  let listed = 0;
  for (let after: number | null = 0; after !== null; ) {
    const t = performance.now();
    const r = await fetch(`${url}/api/v1/machines?limit=${PAGE}&after=${after}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (!r.ok) throw new Error(`GET /api/v1/machines: ${r.status} ${await r.text()}`);
    const page = (await r.json()) as { machines: unknown[]; next: number | null };
    pageTimes.push(performance.now() - t);
    listed += page.machines.length;
    after = page.next;
  }
  if (listed !== SIZE.machines) throw new Error(`listed ${listed} of ${SIZE.machines} machines`);
  pageTimes.sort((a, b) => a - b);
  return { ms: performance.now() - t0, pageP99: quantile(pageTimes, 0.99), pages: pageTimes.length };
}

/**
 * The deployments' images (img0..img4), small files in the default image root: an assignment whose
 * image is not on the DP is refused (404), so without them every "deploy" answer would fail.
 */
async function addImages(url: string, dataDir: string): Promise<void> {
  const root = path.join(dataDir, 'images');
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const file = path.join(root, `img${i}.raw`);
    writeFileSync(file, Buffer.alloc(256 * 1024, i + 1));
    const r = await fetch(`${url}/api/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `img${i}`, file }) });
    if (!r.ok) throw new Error(`POST /api/v1/images img${i}: ${r.status} ${await r.text()}`);
  }
}

async function run(backend: string, dataDir: string, location: StoreLocation): Promise<Result> {
  const t = performance.now();
  const store = await DpStore.open(location);
  try {
    await fillFleet(store, SIZE);
  } finally {
    await store.close();
  }
  const fillS = (performance.now() - t) / 1000;
  const dp = await startDp(ROOT, dataDir, location.kind === 'postgres' ? location.url : undefined, DP_NODE_ARGS, DP_MAIN && path.resolve(DP_MAIN));
  try {
    await addImages(dp.url, dataDir);
    const rssIdleMiB = dp.rssMiB();
    const ask = async (k: number): Promise<string | undefined> => {
      const r = await fetch(`${dp.url}/api/v1/agent/assignment`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
        body: JSON.stringify({ macs: [mac((k * 7919) % SIZE.machines)], model: 'KVM' }),
      });
      const body = await r.text();
      return r.ok ? undefined : `${r.status} ${/"error":"(\w+)"/.exec(body)?.[1] ?? ''}`;
    };
    // Sequential first (also warms the DP up), machines the load below does not ask for.
    const seq: number[] = [];
    for (let k = 0; k < SEQUENTIAL; k++) {
      const t0 = performance.now();
      const why = await ask(SIZE.machines - 1 - k);
      if (why !== undefined) throw new Error(`sequential assignment failed: ${why}`);
      seq.push(performance.now() - t0);
    }
    seq.sort((a, b) => a - b);
    const cpu0 = dp.cpuMs();
    const stalls0 = await dp.loopStalls();
    const assign = await pacedLoad(RATE, SECONDS, ask);
    // Per request answered: requests the overloaded DP never accepted cost it nothing.
    const assignCpuMs = (dp.cpuMs() - cpu0) / Math.max(1, assign.sent - assign.failed);
    const stalls1 = await dp.loopStalls();
    const loadStalls: LoopStalls = {
      ticks: stalls1.ticks - stalls0.ticks,
      stalls: stalls1.stalls - stalls0.stalls,
      stallMs: stalls1.stallMs - stalls0.stallMs,
      // Since the start (the probe keeps no per-interval maximum).
      worstMs: stalls1.worstMs,
      busyStalls: stalls1.busyStalls - stalls0.busyStalls,
      busyMs: stalls1.busyMs - stalls0.busyMs,
    };
    const list = await listAll(dp.url);
    return { backend, fillS, startMs: dp.startMs, rssIdleMiB, rssLoadedMiB: dp.rssMiB(), assign, assignCpuMs, loadStalls, seqP50Ms: quantile(seq, 0.5), seqP99Ms: quantile(seq, 0.99), listAllMs: list.ms, listPageP99Ms: list.pageP99, pages: list.pages };
  } finally {
    await dp.stop();
  }
}

/** Per 1000 requests answered in the load. */
function perK(r: Result, n: number): number {
  return (1000 * n) / Math.max(1, r.assign.sent - r.assign.failed);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-fleet-bench-'));
  try {
    const data = path.join(dir, 'pglite');
    results.push(await run('PGlite', data, { kind: 'pglite', dataDir: data }));
    const bin = findPostgresBin();
    if (bin) {
      const pg = startTestPostgres(bin);
      try {
        results.push(await run('PostgreSQL', path.join(dir, 'pg'), { kind: 'postgres', url: pg.url }));
      } finally {
        pg.stop();
      }
    } else {
      console.log('PostgreSQL binaries not found: PostgreSQL row skipped');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`${SIZE.machines} machines, ${SIZE.collections} collections, ${SIZE.deployments} deployments; assignment at ${RATE} requests/s for ${SECONDS} s (open loop, HTTP on 127.0.0.1); load average ${load}`);
  console.log(`backend      fill s  start ms  RSS idle/loaded MiB  seq p50/p99 ms  assign req/s  p50 ms  p99 ms  max ms  failed  DP CPU ms/req  gen lag p99 ms  list all ms  page p99 ms  stalls>${STALL_MS}ms /1k req  stall ms /1k req  busy stalls /1k req  busy ms /1k req`);
  for (const r of results) {
    const a = r.assign;
    console.log(
      `${r.backend.padEnd(11)} ${r.fillS.toFixed(1).padStart(6)}  ${r.startMs.toFixed(0).padStart(8)}  ${`${r.rssIdleMiB.toFixed(0)}/${r.rssLoadedMiB.toFixed(0)}`.padStart(19)}  ${`${r.seqP50Ms.toFixed(1)}/${r.seqP99Ms.toFixed(1)}`.padStart(14)}  ${a.achievedRps.toFixed(0).padStart(12)}  ${a.p50Ms.toFixed(1).padStart(6)}  ${a.p99Ms.toFixed(1).padStart(6)}  ${a.maxMs.toFixed(0).padStart(6)}  ${String(a.failed).padStart(6)}  ${r.assignCpuMs.toFixed(2).padStart(13)}  ${a.sendLagP99Ms.toFixed(1).padStart(14)}  ${r.listAllMs.toFixed(0).padStart(11)}  ${r.listPageP99Ms.toFixed(0).padStart(11)}  ${perK(r, r.loadStalls.stalls).toFixed(1).padStart(19)}  ${perK(r, r.loadStalls.stallMs).toFixed(0).padStart(16)}  ${perK(r, r.loadStalls.busyStalls).toFixed(1).padStart(19)}  ${perK(r, r.loadStalls.busyMs).toFixed(0).padStart(15)}`,
    );
    if (r.assign.failed > 0) console.log(`  ${r.backend} failures: ${JSON.stringify(r.assign.failures)}`);
  }
  console.log(JSON.stringify({ ...SIZE, rate: RATE, seconds: SECONDS, loadavg: load, results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
