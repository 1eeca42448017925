import { describeLan, lanCheck } from '@castpoint/netlab';

describeLan('netlab LAN', () => {
  it('carries a multicast group from the server host to every client host, and applies per-host loss', async () => {
    const sent = 3000;
    const r = await lanCheck({ clients: 3, count: sent, lossy: [2], loss: 0.1 });
    expect(r.hosts).toHaveLength(3);
    const [c1, c2, c3] = r.hosts;
    // Unshaped bridge, 2000 datagrams/s: nothing should be lost on the clean hosts.
    expect(c1?.unique).toBeGreaterThanOrEqual(sent * 0.99);
    expect(c3?.unique).toBeGreaterThanOrEqual(sent * 0.99);
    // 10% random loss over 3000 datagrams: 2700 expected, sd about 16; a wide range, never equality.
    expect(c2?.unique).toBeGreaterThan(sent * 0.84);
    expect(c2?.unique).toBeLessThan(sent * 0.96);
  });
});
