// The session runner behind its seam: the real runner (engine, pacing, framing, image reads) over
// libs/transport's MemoryNetwork on a VirtualClock, with a scripted receiver built from libs/repair's
// ReceiverEngine. No real socket, no wall-clock wait: time moves only when the test moves it.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockLayout } from '@castpoint/chunking';
import { ReceiverEngine, seededRng, type ReceiverAction } from '@castpoint/repair';
import { MemoryNetwork, VirtualClock, type Datagram, type OpenUdpOptions, type UdpEndpoint } from '@castpoint/transport';
import { createSessionKey, decodePacket, encodePacket, type ControlMessage, type Manifest } from '@castpoint/wire';
import { manifestOf } from '../testing/fakes';
import { patterned } from '../testing/harness';
import type { RunnerEvents, RunnerSpec } from './runner';
import { udpRunnerFactory } from './udp-runner';

const DP = '10.0.0.1';
const GROUP = '239.1.2.3';
const SYMBOL = 1024;
const BLOCK_SYMBOLS = 16;

interface Lab {
  clock: VirtualClock;
  net: MemoryNetwork;
  spec: RunnerSpec;
  image: Buffer;
  events: string[];
  finished: () => boolean;
  cleanup: () => void;
}

function lab(loss: number, seed: number, symbolSize = SYMBOL): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'cp-udp-runner-'));
  const imageFile = join(dir, 'disk.img');
  const image = patterned(300_000, seed);
  writeFileSync(imageFile, image);
  const manifest: Manifest = manifestOf(image);
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, seed, loss, delayMs: { min: 0.2, max: 0.4 } });
  const key = new Uint8Array(32).map((_, i) => (i * 7 + seed) & 0xff);
  const spec: RunnerSpec = {
    sessionId: 7,
    senderId: 0x80000001,
    group: GROUP,
    port: 9000,
    interfaceAddress: DP,
    senderPort: 9001,
    ttl: 1,
    key,
    encrypted: true,
    rateBytesPerSec: 1.25e6, // 10 Mbit/s: the image takes ~250 ms of virtual time
    slowPolicy: { kind: 'same-speed' },
    imageFile,
    imageMtimeMs: statSync(imageFile).mtimeMs,
    manifest,
    symbolSize,
    blockSymbols: BLOCK_SYMBOLS,
    receivers: [],
    signer: generateKeyPairSync('ed25519').privateKey,
  };
  const events: string[] = [];
  return { clock, net, spec, image, events, finished: () => events.includes('finished'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function recorder(events: string[]): RunnerEvents {
  return {
    status: (id, r) => events.push(`status ${id} ${r.state}`),
    kicked: (id, reason) => events.push(`kicked ${id} ${reason}`),
    left: (id, reason) => events.push(`left ${id} ${reason}`),
    finished: () => events.push('finished'),
    failed: (err) => events.push(`failed ${err.message}`),
  };
}

/** An agent in miniature: joins the group, feeds a ReceiverEngine, answers the DP, keeps the blocks. */
async function scriptedReceiver(l: Lab, receiverId: number, host: string): Promise<{ image(): Buffer; ep: UdpEndpoint; mute(): void }> {
  const s = l.spec;
  const key = createSessionKey(s.key, s.encrypted);
  const layout = new BlockLayout(s.manifest, { symbolSize: s.symbolSize, blockSymbols: BLOCK_SYMBOLS });
  const engine = new ReceiverEngine({ receiverId, layout, symbolSize: s.symbolSize, rng: seededRng(receiverId) });
  const ep = await l.net.open({ port: s.port, reuseAddr: true, multicast: { group: s.group, interface: host } });
  const out = Buffer.alloc(s.manifest.size);
  let seq = 1n;
  let muted = false;
  const apply = (actions: readonly ReceiverAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') {
        if (muted) continue;
        const bytes = encodePacket({ sessionId: s.sessionId, senderId: receiverId, seq: seq++, sentAtMs: 0 }, a.message as ControlMessage, key);
        void ep.send(bytes, { address: DP, port: s.senderPort });
      } else if (a.type === 'block') {
        const info = layout.blockInfo(a.block);
        Buffer.from(a.data.buffer, a.data.byteOffset, info.length).copy(out, info.chunk * s.manifest.chunkSize + info.offsetInChunk);
      }
    }
  };
  ep.readable.on('data', (d: Datagram) => {
    const r = decodePacket(d.bytes, key, { sessionId: s.sessionId });
    if (r.ok && r.packet.envelope.senderId === s.senderId) apply(engine.handle({ type: 'packet', packet: r.packet }, l.clock.now()));
  });
  const tick = (): void => {
    apply(engine.tick(l.clock.now()));
    l.clock.schedule(tick, 10);
  };
  tick();
  return { image: () => out, ep, mute: () => (muted = true) };
}

/** Moves virtual time in 1 ms steps, letting the runner's image reads (real file I/O) complete. */
async function runUntil(l: Lab, done: () => boolean, maxMs: number): Promise<number> {
  for (let t = 0; t < maxMs; t++) {
    if (done()) return l.clock.now();
    l.clock.advance(1);
    await new Promise((r) => setImmediate(r));
  }
  return l.clock.now();
}

describe('udp session runner over MemoryNetwork on virtual time', () => {
  it.each([
    { loss: 0, seed: 1, symbol: SYMBOL },
    { loss: 0.05, seed: 2, symbol: SYMBOL },
    // Jumbo symbols (issue 29.4): 8950-byte datagrams, past the 1472 bytes a 1500-byte MTU carries.
    { loss: 0.05, seed: 3, symbol: 8900 },
  ])('runs a session to finished with two scripted receivers (loss $loss, $symbol-byte symbols)', async ({ loss, seed, symbol }) => {
    const l = lab(loss, seed, symbol);
    try {
      const runner = udpRunnerFactory({ openSocket: (o) => l.net.open(o), clock: l.clock })(l.spec, recorder(l.events));
      const a = await scriptedReceiver(l, 11, '10.0.0.2');
      const b = await scriptedReceiver(l, 12, '10.0.0.3');
      runner.addReceiver(11); // before start(): an early registration
      await runner.start();
      runner.addReceiver(12);
      const at = await runUntil(l, l.finished, 5000);
      expect(l.events).toContain('finished');
      expect(l.events.filter((e) => e.startsWith('failed'))).toEqual([]);
      expect(a.image().equals(l.image)).toBe(true);
      expect(b.image().equals(l.image)).toBe(true);
      const st = runner.stats();
      expect(st.dataPackets).toBe(Math.ceil(300_000 / symbol));
      // Data packets are framed in place into the socket's recycled frames (issue 29.2): no more are
      // made than sends may be in flight at once (64), whatever the packets sent (293 data packets
      // at 1024 bytes).
      expect(st.framesAllocated).toBeGreaterThan(0);
      expect(st.framesAllocated).toBeLessThanOrEqual(64);
      if (loss > 0) expect(st.repairPackets).toBeGreaterThan(0);
      // Paced at 10 Mbit/s: 300 KB take at least 240 ms of virtual time.
      expect(at).toBeGreaterThanOrEqual(240);
      await runner.close();
      await a.ep.close();
      await b.ep.close();
    } finally {
      l.cleanup();
    }
  });

  it('opens its socket with batchedSends: a pacing burst leaves in UDP_SEGMENT sends (issue 29)', async () => {
    const l = lab(0, 4);
    try {
      const asked: OpenUdpOptions[] = [];
      const runner = udpRunnerFactory({ openSocket: (o) => (asked.push(o), l.net.open(o)), clock: l.clock })(l.spec, recorder(l.events));
      await runner.start();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ batchedSends: true, multicast: { interface: DP } });
      await runner.close();
    } finally {
      l.cleanup();
    }
  });

  it("frames every data packet in place into the socket's frame sender, none through sendCb (issue 29)", async () => {
    const l = lab(0.05, 5);
    try {
      let commits = 0;
      let sendCbs = 0;
      const runner = udpRunnerFactory({
        openSocket: async (o) => {
          const ep = await l.net.open(o);
          const frameSender = ep.frameSender.bind(ep);
          ep.frameSender = (size, to) => {
            const inner = frameSender(size, to);
            const commit = inner.commit.bind(inner);
            inner.commit = (length, done) => {
              commits++;
              commit(length, done);
            };
            return inner;
          };
          const sendCb = ep.sendCb.bind(ep);
          ep.sendCb = (bytes, to, cb) => {
            sendCbs++;
            sendCb(bytes, to, cb);
          };
          return ep;
        },
        clock: l.clock,
      })(l.spec, recorder(l.events));
      const a = await scriptedReceiver(l, 41, '10.0.0.6');
      runner.addReceiver(41);
      await runner.start();
      await runUntil(l, l.finished, 5000);
      expect(a.image().equals(l.image)).toBe(true);
      const st = runner.stats();
      expect(st.repairPackets).toBeGreaterThan(0);
      expect(commits).toBe(st.dataPackets + st.repairPackets);
      expect(sendCbs).toBe(0);
      // The twin segments as a Linux socket with the add-on does; the stats say so.
      expect(st.sendPath).toBe('segmented');
      expect(st.sendFallback).toBeUndefined();
      expect(st.sendRetries).toBe(0); // the twin's link never pushes back
      await runner.close();
      await a.ep.close();
    } finally {
      l.cleanup();
    }
  });

  it.each([
    // 100 ms at the cap (10 Mbit/s) is ~122 packets of 1 KiB; at 1/8 of it ~15 (and a burst).
    { startAtCap: false, rate: 1.25e6 / 8, packets: [5, 40] },
    // The admin set the cap (start-rate cap): the first 100 ms go at it.
    { startAtCap: true, rate: 1.25e6, packets: [90, 140] },
  ])('paces from the engine start-up rate, or from the cap when the spec says so (startAtCap $startAtCap)', async ({ startAtCap, rate, packets }) => {
    const l = lab(0, 4);
    try {
      const spec: RunnerSpec = startAtCap ? { ...l.spec, startAtCap } : l.spec;
      const runner = udpRunnerFactory({ openSocket: (o) => l.net.open(o), clock: l.clock })(spec, recorder(l.events));
      const r = await scriptedReceiver(l, 31, '10.0.0.5');
      runner.addReceiver(31);
      await runner.start();
      expect(runner.stats().rateBytesPerSec).toBe(rate);
      // The image is read with real file I/O: virtual time starts once the first packet is out
      // (the pacer's first datagram needs no credit), so a slow disk cannot eat the 100 ms.
      for (let i = 0; i < 2000 && runner.stats().dataPackets === 0; i++) await new Promise((done) => setTimeout(done, 1));
      const before = runner.stats().dataPackets;
      expect(before).toBeGreaterThan(0);
      await runUntil(l, () => false, 100);
      const sent = runner.stats().dataPackets - before;
      expect(sent).toBeGreaterThanOrEqual(packets[0] as number);
      expect(sent).toBeLessThanOrEqual(packets[1] as number);
      await runner.close();
      await r.ep.close();
    } finally {
      l.cleanup();
    }
  });

  it('holds new data for expected joiners (awaitJoiners) until they are heard', async () => {
    const l = lab(0, 3);
    try {
      const runner = udpRunnerFactory({ openSocket: (o) => l.net.open(o), clock: l.clock })(l.spec, recorder(l.events));
      await runner.start();
      runner.awaitJoiners(1, 10_000);
      runner.addReceiver(21);
      await runUntil(l, () => false, 200);
      expect(runner.stats().dataPackets).toBe(0); // registered, never heard
      const r = await scriptedReceiver(l, 21, '10.0.0.4');
      await runUntil(l, l.finished, 5000);
      expect(l.events).toContain('finished');
      expect(r.image().equals(l.image)).toBe(true);
      await runner.close();
      await r.ep.close();
    } finally {
      l.cleanup();
    }
  });

  it.each([
    { silentTimeoutMs: undefined, keptMs: 4000, goneMs: 6500 },
    { silentTimeoutMs: 10_000, keptMs: 9000, goneMs: 11_500 },
  ])('drops a heard receiver once it is silent for silentTimeoutMs ($silentTimeoutMs; serve --receiver-silence), not before', async ({ silentTimeoutMs, keptMs, goneMs }) => {
    const l = lab(0, 4);
    try {
      const runner = udpRunnerFactory({ openSocket: (o) => l.net.open(o), clock: l.clock, ...(silentTimeoutMs ? { silentTimeoutMs } : {}) })(l.spec, recorder(l.events));
      await runner.start();
      // Data waits until the receiver is heard: it has spoken when the first data packet leaves.
      runner.awaitJoiners(1, 60_000);
      runner.addReceiver(31);
      const r = await scriptedReceiver(l, 31, '10.0.0.5');
      await runUntil(l, () => runner.stats().dataPackets > 0, 5000);
      r.mute(); // a VM the host stopped scheduling: it still receives, it sends nothing
      const left = (): boolean => l.events.includes('left 31 inactive');
      await runUntil(l, left, keptMs);
      expect(left()).toBe(false);
      await runUntil(l, left, goneMs - keptMs);
      expect(left()).toBe(true);
      await runner.close();
      await r.ep.close();
    } finally {
      l.cleanup();
    }
  });
});
