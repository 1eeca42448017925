// The agent's "what do I do" inside the store, without HTTP: the DP's CPU per answer on PGlite
// (in memory) the way it was (MachineQueries.recordSeen's write transaction, then targetedFor's
// read) against the way it is (AssignmentQueries.forAgent: one read, observations batched and
// flushed), interleaved twice so both see the same machine load. CPU time, not wall time: the
// shared box's load inflates it least. Run: npx nx run dp-server:bench-store
// (ASSIGN_BENCH_MACHINES changes the fleet size; 100 collections and 50 deployments as fleet-scale).
import { decide } from '../src/deployments/decide';
import { DpStore } from '../src/store/dp-store';
import { fillFleet, mac } from './fleet-fill';

const N = Number(process.env['ASSIGN_BENCH_MACHINES'] ?? '2000');

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const s = await DpStore.open({ kind: 'memory' });
  try {
    await fillFleet(s, { machines: N, collections: 100, deployments: 50 });
    const ask = { model: 'KVM', ip: '127.0.0.1' };
    const rows: string[] = [];
    for (let round = 1; round <= 2; round++) {
      let c0 = cpuMs();
      for (let k = 0; k < N; k++) {
        const r = await s.machines.recordSeen({ macs: [mac(k)], ...ask }, new Date());
        if (r.machine) decide(r.machine, await s.deployments.targetedFor(r.machine.id), new Date());
      }
      const before = (cpuMs() - c0) / N;
      c0 = cpuMs();
      for (let k = 0; k < N; k++) {
        const r = await s.assignment.forAgent({ macs: [mac(k)], ...ask }, new Date());
        if (r.machine && 'targeted' in r) decide(r.machine, r.targeted, new Date());
      }
      await s.flushSeen();
      const after = (cpuMs() - c0) / N;
      rows.push(`${String(round).padStart(5)}  ${before.toFixed(2).padStart(26)}  ${after.toFixed(2).padStart(24)}`);
    }
    console.log(`${N} machines, PGlite in memory, one request at a time; CPU ms per answer (decide included)`);
    console.log('round  recordSeen tx + targetedFor  forAgent (+ batch flush)');
    for (const r of rows) console.log(r);
  } finally {
    await s.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
