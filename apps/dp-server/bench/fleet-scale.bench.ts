// The SQL store at issue 24's scale: 10,000 machines, 100 collections, 50 deployments, on PGlite
// (the default) and on a PostgreSQL server the bench starts itself (skipped without the binaries).
// Measures, one request at a time: the agent's "what do I do" (recordSeen + targetedFor + decide,
// what POST /api/v1/agent/assignment does minus HTTP), a paged listing of all machines, the
// store's open time on the filled database, and the process's RSS. Prints a table, then one JSON
// line. Run: npx nx run dp-server:bench  (FLEET_BENCH_MACHINES=N to change the size).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decide } from '../src/deployments/decide';
import type { CollectionRule } from '../src/deployments/model';
import { DpStore } from '../src/store/dp-store';
import type { StoreLocation } from '../src/store/open';
import { findPostgresBin, startTestPostgres } from '../src/store/testing/postgres-server';

const MACHINES = Number(process.env['FLEET_BENCH_MACHINES'] ?? '10000');
const COLLECTIONS = 100;
const DEPLOYMENTS = 50;
const REQUESTS = 2000;

const mac = (i: number) => `52:54:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function fill(store: DpStore): Promise<void> {
  const t0 = new Date('2026-12-01T00:00:00Z');
  for (let from = 0; from < MACHINES; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, MACHINES - from) }, (_, k) => ({ name: `m${String(from + k).padStart(5, '0')}`, macs: [mac(from + k)] }));
    await store.machines.importAll(rows, t0);
  }
  for (let c = 0; c < COLLECTIONS; c++) {
    // Every collection has a rule (a name glob matching 1 machine in 100) and 20 static members.
    const rules: CollectionRule[] = [{ kind: 'name', glob: `m*${String(c).padStart(2, '0')}` }];
    await store.collections.add(`c${c}`, rules, t0);
    for (let k = 0; k < 20; k++) await store.collections.addMember(`c${c}`, `m${String((c * 97 + k * 131) % MACHINES).padStart(5, '0')}`);
  }
  for (let d = 0; d < DEPLOYMENTS; d++) {
    await store.deployments.add({ name: `d${d}`, image: `img${d % 5}`, collection: `c${d * 2}`, purpose: d % 2 === 0 ? 'required' : 'available' }, t0);
  }
}

interface Result {
  backend: string;
  fillS: number;
  openMs: number;
  assignP50Ms: number;
  assignP99Ms: number;
  assignMaxRps: number;
  listAllMs: number;
  rssMiB: number;
}

async function run(backend: string, location: StoreLocation): Promise<Result> {
  let t = performance.now();
  let store = await DpStore.open(location);
  await fill(store);
  const fillS = (performance.now() - t) / 1000;
  await store.close();
  t = performance.now();
  store = await DpStore.open(location);
  const openMs = performance.now() - t;
  try {
    const times: number[] = [];
    const now = new Date('2026-12-02T00:00:00Z');
    for (let r = 0; r < REQUESTS; r++) {
      const i = (r * 7919) % MACHINES;
      const start = performance.now();
      const seen = await store.machines.recordSeen({ macs: [mac(i)], model: 'KVM', ip: '10.0.0.1' }, now);
      if (!seen.machine) throw new Error(`machine ${i} not matched`);
      decide(seen.machine, await store.deployments.targetedFor(seen.machine.id), now);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    t = performance.now();
    let listed = 0;
    for (let after: number | null = 0; after !== null; ) {
      const page = await store.machines.list({ after, limit: 100 });
      listed += page.machines.length;
      after = page.next;
    }
    if (listed !== MACHINES) throw new Error(`listed ${listed} of ${MACHINES}`);
    return {
      backend,
      fillS,
      openMs,
      assignP50Ms: quantile(times, 0.5),
      assignP99Ms: quantile(times, 0.99),
      assignMaxRps: 1000 / mean,
      listAllMs: performance.now() - t,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-fleet-bench-'));
  try {
    results.push(await run('PGlite', { kind: 'pglite', dataDir: dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bin = findPostgresBin();
  if (bin) {
    const pg = startTestPostgres(bin);
    try {
      results.push(await run('PostgreSQL', { kind: 'postgres', url: pg.url }));
    } finally {
      pg.stop();
    }
  } else {
    console.log('PostgreSQL binaries not found: PostgreSQL row skipped');
  }
  console.log(`${MACHINES} machines, ${COLLECTIONS} collections, ${DEPLOYMENTS} deployments; ${REQUESTS} assignment requests one at a time`);
  console.log('backend      fill s  open ms  assign p50 ms  assign p99 ms  max req/s (1 conn)  list all (100/page) ms  RSS MiB');
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(11)} ${r.fillS.toFixed(1).padStart(6)}  ${r.openMs.toFixed(0).padStart(7)}  ${r.assignP50Ms.toFixed(2).padStart(13)}  ${r.assignP99Ms.toFixed(2).padStart(13)}  ${r.assignMaxRps.toFixed(0).padStart(18)}  ${r.listAllMs.toFixed(0).padStart(22)}  ${r.rssMiB.toFixed(0).padStart(7)}`,
    );
  }
  console.log(JSON.stringify({ machines: MACHINES, collections: COLLECTIONS, deployments: DEPLOYMENTS, results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
