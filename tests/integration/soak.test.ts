// The soak of issue 21.5 at a small count: the scheduled three-agent deployment (--min-clients 3
// --max-wait 30), twice, in a namespace LAN beside busy processes. `npm run soak -- --runs 30` is
// the same at the count the issue asks for, by hand.
import { runSoak } from '@castpoint/bench';
import { describeLan, Lan } from '@castpoint/netlab';
import { requireBuilt } from './e2e-helpers';

describeLan('soak: scheduled three-agent deployments under CPU stress', () => {
  requireBuilt();

  it('every run ends with three verified targets', async () => {
    const lan = Lan.create({ clients: 3 });
    try {
      const result = await runSoak({ lan, runs: 2, stress: 2, sizeMiB: 4, runTimeoutMs: 45_000 });
      expect(result.runs.filter((r) => !r.ok)).toEqual([]);
      expect(result.passed).toBe(2);
    } finally {
      lan.destroy();
    }
  }, 120_000);
});
