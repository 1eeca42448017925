// Jumbo symbols on a LAN of 9000-byte frames (issue 29.4): built castpoint-dp and agents in a
// netlab LAN whose every link has MTU 9000, one client's NIC left at 1500. The agents report their
// MTUs, the DP sizes the session's symbols for the ones it starts with, and the late agent whose
// NIC cannot take those frames is sent to unicast; every target is checked bit for bit.
import { describeLan } from '@castpoint/netlab';
import { agentOn, clientOf, dpGet, expectVerified, lanWithImage, last, requireBuilt, tearDown, until, type Ctx } from './e2e-helpers';

describeLan('jumbo frames', () => {
  requireBuilt();
  let c: Ctx | undefined;
  afterEach(async () => {
    await tearDown(c);
    c = undefined;
  });

  it('two jumbo agents get one session of 8900-byte symbols; a late agent at MTU 1500 gets the image by unicast', async () => {
    c = await lanWithImage({ clients: 3, sizeMiB: 48, seed: 5, full: true, maxRate: '100mbit', mtu: 9000, imageFlags: ['--mode', 'scheduled', '--min-clients', '2', '--max-wait', '120'] });
    const ctx = c;
    ctx.lan.setMtu(clientOf(ctx, 2), 1500);
    // 1% loss on one jumbo agent: repair (NACKs, parity) works with the larger symbols.
    ctx.lan.setLoss(clientOf(ctx, 1), 0.01);
    const clean = agentOn(ctx.lan, clientOf(ctx, 0), ctx.dp, ctx.work, 'img');
    const lossy = agentOn(ctx.lan, clientOf(ctx, 1), ctx.dp, ctx.work, 'img');
    await until('a jumbo agent at 20%', () => (last(clean)?.percent ?? 0) >= 20, 120_000);
    const late = agentOn(ctx.lan, clientOf(ctx, 2), ctx.dp, ctx.work, 'img');
    const out = await expectVerified(ctx, [clean, lossy, late], 240_000);
    const sessions = await dpGet<Array<{ image: string; symbolSize?: number; receivers: number[] }>>(ctx.lan, ctx.dp, '/api/v1/sessions');
    const mine = sessions.filter((s) => s.image === 'img');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ symbolSize: 8900 });
    expect(mine[0]?.receivers).toHaveLength(2);
    expect(last(lossy)?.repairedSymbols ?? 0).toBeGreaterThan(0);
    // The late agent alone went to unicast, and says why (the DP's reason).
    const clients = await dpGet<Array<{ fallback: boolean; state: string }>>(ctx.lan, ctx.dp, '/api/v1/clients');
    expect(clients.filter((x) => x.fallback)).toHaveLength(1);
    expect(out[2]).toMatch(/8900-byte symbols, more than this agent's MTU of 1500/);
  });
});
