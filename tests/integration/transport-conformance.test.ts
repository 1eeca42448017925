import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CONFORMANCE_CASES, type ConformanceResult } from '@castpoint/transport';
import { collect, describeLan, Lan } from '@castpoint/netlab';

const root = path.resolve(__dirname, '../..');
const runner = path.join(root, 'dist/transport-bench/conformance-runner.cjs');

/**
 * The same conformance suite the unit tests run on MemoryNetwork, here on real node:dgram sockets
 * in a netlab host (a namespace whose eth0 sits on a private bridge). Jest itself runs in the
 * machine's own namespace, where multicast must never be sent, so the suite runs in a child.
 */
describeLan('transport conformance on real sockets', () => {
  let lan: Lan | undefined;

  beforeAll(() => {
    execFileSync(process.execPath, ['tools/build/bundle.mjs', 'tools/bench/transport/conformance-runner.ts', runner], { cwd: root, stdio: 'inherit' });
    lan = Lan.create({ clients: 1 });
  });

  afterAll(() => lan?.destroy());

  it('passes every case in a LAN host', async () => {
    if (!lan) throw new Error('no LAN');
    const out = await collect(lan.spawn(lan.server, process.execPath, [runner, lan.server.ip]), 60_000);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as { results?: ConformanceResult[] };
    const results = report.results ?? [];
    expect(results.map((r) => r.name)).toEqual(CONFORMANCE_CASES.map((c) => c.name));
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });
});
