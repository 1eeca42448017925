import type { Datagram, UdpEndpoint } from './endpoint';
import { MemoryNetwork, type MemoryNetworkOptions } from './memory-network';
import { VirtualClock } from './clock';

const G = '239.1.2.3';
const PORT = 5000;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A sender on 10.0.0.1 and one group member on each of `hosts` (10.0.0.2 ...). */
async function lan(opts: MemoryNetworkOptions, hosts = 1) {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ ...opts, clock: clock });
  const sender = await net.open({ multicast: { interface: '10.0.0.1' } });
  const members: Array<{ ep: UdpEndpoint; got: Datagram[] }> = [];
  for (let i = 0; i < hosts; i++) {
    const ep = await net.open({ port: PORT, multicast: { interface: `10.0.0.${i + 2}`, group: G } });
    const got: Datagram[] = [];
    ep.readable.on('data', (d: Datagram) => got.push(d));
    members.push({ ep, got });
  }
  const sendSeq = async (n: number, size = 100): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const b = new Uint8Array(size);
      new DataView(b.buffer).setUint32(0, i);
      await sender.send(b, { address: G, port: PORT });
    }
  };
  return { net, clock, sender, members, sendSeq };
}

const seqOf = (d: Datagram): number => new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint32(0);

describe('MemoryNetwork', () => {
  it('loses about the configured fraction, and the same seed loses the same datagrams', async () => {
    const runs: number[][] = [];
    for (const seed of [11, 11, 12]) {
      const { clock, members, sendSeq } = await lan({ seed, loss: 0.1 });
      await sendSeq(2000);
      clock.advance(1);
      await tick();
      runs.push(members[0]?.got.map(seqOf) ?? []);
    }
    const [a, b, c] = runs;
    // 2000 x 10%: 200 expected, sd about 13.
    expect(a?.length).toBeGreaterThan(1740);
    expect(a?.length).toBeLessThan(1860);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('delays each datagram within [min, max] and holds reordered ones back', async () => {
    const { clock, members, sendSeq } = await lan({ seed: 5, delayMs: { min: 2, max: 4 }, reorder: 0.2, reorderDelayMs: 10 });
    await sendSeq(500);
    clock.advance(1.99);
    await tick();
    expect(members[0]?.got).toHaveLength(0);
    clock.advance(2.02); // now 4.01 ms: everything not reordered has arrived
    await tick();
    const early = members[0]?.got.length ?? 0;
    expect(early).toBeGreaterThan(350);
    expect(early).toBeLessThan(450);
    clock.advance(11);
    await tick();
    const seqs = members[0]?.got.map(seqOf) ?? [];
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(seqs).not.toEqual([...seqs].sort((x, y) => x - y));
  });

  it('serializes at rateBitsPerSec and tail-drops beyond queueBytes', async () => {
    // 8 Mbit/s: a 1000-byte datagram takes 1 ms on the link; the queue holds 10 of them.
    const { clock, net, members, sendSeq } = await lan({ rateBitsPerSec: 8e6, queueBytes: 10_000 });
    await sendSeq(15, 1000);
    expect(net.stats().queueDrops).toBe(5);
    clock.advance(4.5);
    await tick();
    expect(members[0]?.got).toHaveLength(4);
    clock.advance(10);
    await tick();
    expect(members[0]?.got).toHaveLength(10);
  });

  it('delivers one multicast datagram to every member host, and setLoss applies to one host only', async () => {
    const { clock, net, members, sendSeq } = await lan({ seed: 9 }, 3);
    net.setLoss('10.0.0.3', 0.5);
    await sendSeq(400);
    clock.advance(1);
    await tick();
    const [m1, m2, m3] = members.map((m) => m.got.length);
    expect(m1).toBe(400);
    expect(m3).toBe(400);
    expect(m2).toBeGreaterThan(150);
    expect(m2).toBeLessThan(250);
    expect(members[0]?.got[0]?.from).toEqual({ address: '10.0.0.1', port: expect.any(Number) });
  });

  it('ttl 0 keeps multicast on the sending host', async () => {
    const { clock, net, sender, members, sendSeq } = await lan({}, 1);
    const local = await net.open({ port: PORT, reuseAddr: true, multicast: { interface: '10.0.0.1', group: G } });
    const gotLocal: Datagram[] = [];
    local.readable.on('data', (d: Datagram) => gotLocal.push(d));
    sender.setMulticastTtl(0);
    await sendSeq(3);
    clock.advance(1);
    await tick();
    expect(gotLocal).toHaveLength(3);
    expect(members[0]?.got).toHaveLength(0);
  });

  it('lets the writable reach exactly maxInFlight pending sends', async () => {
    const net = new MemoryNetwork({ clock: new VirtualClock() });
    const a = await net.open({});
    const b = await net.open({ maxInFlight: 3 });
    for (let i = 0; i < 20; i++) b.writable.write({ bytes: new Uint8Array(1), to: { address: '127.0.0.1', port: a.address().port } });
    await new Promise<void>((r) => b.writable.end(() => r()));
    expect(b.stats().peakInFlight).toBe(3);
    expect(b.stats().sentDatagrams).toBe(20);
  });

  it('drops what a reader does not take beyond readBufferDatagrams, and counts it', async () => {
    const clock = new VirtualClock();
    const net = new MemoryNetwork({ clock: clock });
    const a = await net.open({ readBufferDatagrams: 8 });
    const b = await net.open({});
    for (let i = 0; i < 20; i++) await b.send(new Uint8Array(1), { address: '127.0.0.1', port: a.address().port });
    clock.advance(1);
    expect(a.stats().receivedDatagrams).toBe(20);
    expect(a.stats().droppedOnRead).toBe(12);
    expect(a.readable.readableLength).toBe(8);
  });

  it.each([
    [{ loss: 1.5 }],
    [{ reorder: -0.1 }],
    [{ delayMs: { min: 5, max: 1 } }],
    [{ rateBitsPerSec: 0 }],
  ])('rejects %p with TRANSPORT_BAD_OPTION', (o) => {
    expect(() => new MemoryNetwork(o)).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
  });
});
