import { readFileSync } from 'node:fs';
import { describeLan, Lan, lanCheck, waitForLine } from '@castpoint/netlab';

/** Not yet exited: neither gone nor a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

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

  it('destroy returns only once the processes it killed have exited', async () => {
    // Receivers of a multicast stream spend milliseconds after SIGKILL leaving (in state D); an
    // interrupted bench that exited at once so left CI its receivers still running.
    const receiver = `const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 8 << 20 });
      s.bind(9400, () => { s.addMembership('239.255.77.1', process.argv[1]); console.log('joined'); });`;
    const sender = `const s = require('node:dgram').createSocket('udp4'); const b = Buffer.alloc(1400);
      s.bind(0, process.argv[1], () => { s.setMulticastInterface(process.argv[1]);
        const burst = () => { for (let i = 0; i < 64; i++) s.send(b, 9400, '239.255.77.1'); setImmediate(burst); }; burst(); });`;
    for (let round = 0; round < 3; round++) {
      const lan = Lan.create({ clients: 2 });
      try {
        const procs = lan.clients.map((h) => lan.spawn(h, process.execPath, ['-e', receiver, h.ip]));
        await Promise.all(procs.map((p) => waitForLine(p, /^joined/)));
        lan.spawn(lan.server, process.execPath, ['-e', sender, lan.server.ip]);
        await new Promise((r) => setTimeout(r, 500));
        lan.destroy();
        expect(procs.map((p) => p.pid as number).filter(running)).toEqual([]);
      } finally {
        lan.destroy();
      }
    }
  });
});
