import type { UdpEndpoint } from '../endpoint';
import { bytesOf, check, expectCode, gather, text, until, type ConformanceTarget } from './harness';

export interface ConformanceCase {
  readonly name: string;
  run(t: ConformanceTarget): Promise<void>;
}

/** Opens endpoints for one case and closes every one of them whatever happens. */
async function withEndpoints(fn: (open: ConformanceTarget['open']) => Promise<void>, t: ConformanceTarget): Promise<void> {
  const opened: UdpEndpoint[] = [];
  try {
    await fn(async (o) => {
      const ep = await t.open(o);
      opened.push(ep);
      return ep;
    });
  } finally {
    await Promise.all(opened.map((e) => e.close()));
  }
}

/** Each case uses its own group so that no membership of another case leaks into it. */
const group = (n: number): string => `239.255.60.${n}`;

/**
 * The behaviour every UdpEndpoint implementation must have. Run in-process against MemoryNetwork
 * (unit tests) and against real sockets inside a network namespace (integration tests).
 */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    name: 'unicast: send(), sendCb() and writable all arrive in order with the sender address',
    run: (t) =>
      withEndpoints(async (open) => {
        const a = await open({});
        const b = await open({});
        const got = gather(a);
        const to = { address: t.hostAddress, port: a.address().port };
        await b.send(bytesOf('one'), to);
        await new Promise<void>((res, rej) => b.sendCb(bytesOf('two'), to, (e) => (e ? rej(e) : res())));
        await new Promise<void>((res, rej) => b.writable.write({ bytes: bytesOf('three'), to }, (e) => (e ? rej(e) : res())));
        check(await until(t, () => got.length >= 3, 1000), `expected 3 datagrams, got ${got.length}`);
        check(got.map(text).join(',') === 'one,two,three', `wrong order or content: ${got.map(text).join(',')}`);
        check(got.every((d) => d.from.port === b.address().port), 'from.port is not the sender port');
        check(got[0]?.bytes instanceof Uint8Array, 'bytes is not a Uint8Array');
        check(b.stats().sentDatagrams === 3 && a.stats().receivedDatagrams === 3, 'stats do not count 3 sent / 3 received');
      }, t),
  },
  {
    name: 'multicast: a member receives, stops after leave and receives again after a new join',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 1;
        const g = group(1);
        const r = await open({ port, reuseAddr: true, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ multicast: { interface: t.hostAddress, loopback: true } });
        const got = gather(r);
        await s.send(bytesOf('a'), { address: g, port });
        check(await until(t, () => got.length === 1, 1000), `member got ${got.length} datagrams, expected 1`);
        check(got[0]?.from.address === t.hostAddress, `from.address ${got[0]?.from.address} is not the interface ${t.hostAddress}`);
        r.leave(g);
        await s.send(bytesOf('b'), { address: g, port });
        await t.settle(150);
        check(got.length === 1, `received ${text(got[1])} after leaving the group`);
        r.join(g);
        await s.send(bytesOf('c'), { address: g, port });
        check(await until(t, () => got.length === 2, 1000), 'no datagram after joining again');
        check(text(got[1]) === 'c', `expected c after rejoin, got ${text(got[1])}`);
      }, t),
  },
  {
    name: 'multicast: two members sharing a port (reuseAddr) both receive; a non-member socket does not',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 2;
        const g = group(2);
        const r1 = await open({ port, reuseAddr: true, multicast: { interface: t.hostAddress, group: g } });
        const r2 = await open({ port, reuseAddr: true, multicast: { interface: t.hostAddress, group: g } });
        const other = await open({ port: t.portBase + 3, multicast: { interface: t.hostAddress, group: group(3) } });
        const s = await open({ multicast: { interface: t.hostAddress } });
        const [g1, g2, g3] = [gather(r1), gather(r2), gather(other)];
        for (let i = 0; i < 5; i++) await s.send(bytesOf(`m${i}`), { address: g, port });
        check(await until(t, () => g1.length === 5 && g2.length === 5, 1000), `members got ${g1.length} and ${g2.length} of 5`);
        await t.settle(50);
        check(g3.length === 0, 'a socket in another group on another port received the datagrams');
      }, t),
  },
  {
    name: 'multicast loopback: off keeps datagrams from sockets on this host; turning it on delivers them',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 4;
        const g = group(4);
        const r = await open({ port, reuseAddr: true, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ multicast: { interface: t.hostAddress, loopback: false } });
        const got = gather(r);
        await s.send(bytesOf('quiet'), { address: g, port });
        await t.settle(150);
        check(got.length === 0, 'loopback off, but a socket on the same host received the datagram');
        s.setMulticastLoopback(true);
        await s.send(bytesOf('loud'), { address: g, port });
        check(await until(t, () => got.length === 1, 1000), 'loopback on, but nothing arrived');
        check(text(got[0]) === 'loud', `expected loud, got ${text(got[0])}`);
      }, t),
  },
  {
    name: 'backpressure: the writable keeps at most maxInFlight sends pending and delivers everything',
    run: (t) =>
      withEndpoints(async (open) => {
        const n = 400;
        const a = await open({ recvBufferSize: 1 << 20 });
        const b = await open({ maxInFlight: 4 });
        const got = gather(a);
        const to = { address: t.hostAddress, port: a.address().port };
        let refused = 0;
        for (let i = 0; i < n; i++) {
          if (!b.writable.write({ bytes: bytesOf(`d${i}`), to })) {
            refused++;
            await new Promise<void>((res) => b.writable.once('drain', () => res()));
          }
        }
        await new Promise<void>((res, rej) => b.writable.end((e?: Error | null) => (e ? rej(e) : res())));
        check(refused > 0, 'write() never asked the caller to wait');
        const st = b.stats();
        check(st.peakInFlight <= 4, `peak in flight ${st.peakInFlight} exceeds maxInFlight 4`);
        check(st.inFlight === 0, `${st.inFlight} sends still in flight after end()`);
        check(st.sentDatagrams === n, `sent ${st.sentDatagrams} of ${n}`);
        check(await until(t, () => got.length === n, 2000), `received ${got.length} of ${n}`);
        check(text(got[n - 1]) === `d${n - 1}`, 'last datagram is wrong');
      }, t),
  },
  {
    name: 'onDatagram: the listener takes every datagram with its sender instead of the readable; stats still count',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 6;
        const g = group(6);
        const r = await open({ port, reuseAddr: true, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ multicast: { interface: t.hostAddress, loopback: true } });
        const viaStream = gather(r);
        const direct: { text: string; address: string; port: number }[] = [];
        r.onDatagram((bytes, from) => direct.push({ text: Buffer.from(bytes).toString('utf8'), address: from.address, port: from.port }));
        for (const word of ['x', 'y', 'z']) await s.send(bytesOf(word), { address: g, port });
        check(await until(t, () => direct.length === 3, 1000), `listener got ${direct.length} of 3`);
        check(direct.map((d) => d.text).join('') === 'xyz', `listener got ${direct.map((d) => d.text).join('')}`);
        check(direct.every((d) => d.address === t.hostAddress && d.port === s.address().port), 'listener did not get the sender address');
        await t.settle(50);
        check(viaStream.length === 0, `the readable still yielded ${viaStream.length} datagrams`);
        check(r.stats().receivedDatagrams === 3 && r.stats().receivedBytes === 3, 'stats did not count the 3 datagrams');
        const ended = new Promise<void>((res) => r.readable.once('end', () => res()));
        await r.close();
        await ended;
      }, t),
  },
  {
    name: 'batchedReads: every datagram arrives whole and in order (0 B to the largest, more than one batch), from 0.0.0.0:0; close stops reading',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 7;
        const g = group(7);
        const r = await open({ port, reuseAddr: true, batchedReads: true, recvBufferSize: 4 << 20, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ multicast: { interface: t.hostAddress, loopback: true }, sendBufferSize: 4 << 20 });
        const got: { bytes: Uint8Array; address: string; port: number }[] = [];
        r.onDatagram((bytes, from) => got.push({ bytes, address: from.address, port: from.port }));
        // Sizes around the edges, then a burst longer than one read batch (256).
        const sizes = [0, 1, 1400, 1472, 1473, 9000, 65_507, ...Array.from({ length: 600 }, (_, i) => 20 + (i % 50))];
        const sent = sizes.map((n, i) => {
          const b = new Uint8Array(n);
          for (let j = 0; j < n; j++) b[j] = (i * 31 + j) & 0xff;
          return b;
        });
        for (const b of sent) await s.send(b, { address: g, port });
        check(await until(t, () => got.length === sent.length, 3000), `got ${got.length} of ${sent.length} datagrams`);
        for (let i = 0; i < sent.length; i++) {
          check(Buffer.compare(Buffer.from(got[i]?.bytes ?? []), Buffer.from(sent[i] as Uint8Array)) === 0, `datagram ${i} (${sizes[i]} B) differs`);
        }
        // Each delivered datagram is its own copy: the first is still intact after 600 more reads.
        check(got[2]?.bytes.length === 1400 && got[2].bytes[5] === ((2 * 31 + 5) & 0xff), 'an early datagram was overwritten by later reads');
        check(got.every((d) => d.address === '0.0.0.0' && d.port === 0), 'batched reads must not claim a sender address');
        check(r.stats().receivedDatagrams === sent.length, `stats count ${r.stats().receivedDatagrams}`);
        // Linux sockets (and the twin) really read in batches; elsewhere node:dgram's events stand in.
        if (t.name === 'memory' || process.platform === 'linux') check(r.stats().readMode === 'batched', `readMode is ${r.stats().readMode}`);
        // A real Linux socket takes many datagrams per system call (recvmmsg through koffi, a
        // dependency): one read(2) each would make more calls than there are datagrams.
        if (t.name !== 'memory' && process.platform === 'linux') {
          check(r.stats().readCalls < sent.length, `${r.stats().readCalls} read calls for ${sent.length} datagrams: not batched`);
        }
        check(s.stats().readMode === 'per-datagram', 'an endpoint without batchedReads reports batched');
        await r.close();
        await s.send(bytesOf('late'), { address: g, port });
        await t.settle(50);
        check(got.length === sent.length, 'a datagram was delivered after close');
      }, t),
  },
  {
    name: 'lendDatagrams: the readable keeps intact copies; the listener sees every datagram whole while it runs',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 8;
        const g = group(8);
        const r = await open({ port, reuseAddr: true, batchedReads: true, lendDatagrams: true, recvBufferSize: 4 << 20, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ multicast: { interface: t.hostAddress, loopback: true }, sendBufferSize: 4 << 20 });
        const payload = (i: number): Uint8Array => {
          const b = new Uint8Array(100 + (i % 7) * 200);
          for (let j = 0; j < b.length; j++) b[j] = (i * 13 + j) & 0xff;
          return b;
        };
        const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
        // No listener yet: datagrams wait on the readable, so each must be a copy of its own.
        const queued = gather(r);
        for (let i = 0; i < 300; i++) await s.send(payload(i), { address: g, port });
        check(await until(t, () => queued.length === 300, 3000), `the readable got ${queued.length} of 300`);
        const bad = queued.findIndex((d, i) => !same(d.bytes, payload(i)));
        check(bad === -1, `queued datagram ${bad} was overwritten by later reads`);
        // With a listener: every datagram is whole while the listener runs (it copies what it keeps).
        const seen: boolean[] = [];
        r.onDatagram((bytes) => seen.push(same(bytes, payload(300 + seen.length))));
        for (let i = 300; i < 900; i++) await s.send(payload(i), { address: g, port });
        check(await until(t, () => seen.length === 600, 3000), `the listener got ${seen.length} of 600`);
        check(seen.every(Boolean), `datagram ${300 + seen.indexOf(false)} differed while the listener ran`);
        await r.close();
      }, t),
  },
  {
    name: 'close: ends the readable, idempotent, and later calls fail with TRANSPORT_CLOSED',
    run: (t) =>
      withEndpoints(async (open) => {
        const a = await open({ multicast: { interface: t.hostAddress } });
        const ended = new Promise<void>((res) => a.readable.once('end', () => res()));
        a.readable.resume();
        await a.close();
        await a.close();
        await ended;
        await expectCode('TRANSPORT_CLOSED', () => a.send(bytesOf('x'), { address: t.hostAddress, port: 9 }));
        await expectCode('TRANSPORT_CLOSED', () => a.join(group(5)));
        await expectCode('TRANSPORT_CLOSED', () => a.setMulticastLoopback(false));
        // The port is free again once closed.
        const port = a.address().port;
        const again = await open({ port });
        check(again.address().port === port, 'could not bind the port of a closed endpoint');
      }, t),
  },
  {
    name: 'errors: bad input and OS refusals are TransportErrors with the right code',
    run: (t) =>
      withEndpoints(async (open) => {
        await expectCode('TRANSPORT_BAD_OPTION', () => open({ address: '::1' }));
        await expectCode('TRANSPORT_BAD_OPTION', () => open({ multicast: { interface: 'eth0' } }));
        await expectCode('TRANSPORT_BAD_OPTION', () => open({ multicast: { interface: t.hostAddress, group: '10.1.2.3' } }));
        await expectCode('TRANSPORT_BAD_OPTION', () => open({ port: 70000 }));
        const a = await open({});
        const clash = await expectCode('TRANSPORT_BIND_FAILED', () => open({ port: a.address().port }));
        check((clash.data as { errno?: string }).errno === 'EADDRINUSE', `bind clash errno is ${String((clash.data as { errno?: string }).errno)}`);
        await expectCode('TRANSPORT_DATAGRAM_TOO_LARGE', () => a.send(new Uint8Array(65_508), { address: t.hostAddress, port: 9 }));
        await expectCode('TRANSPORT_BAD_OPTION', () => a.send(bytesOf('x'), { address: t.hostAddress, port: 0 }));
        await expectCode('TRANSPORT_BAD_OPTION', () => a.send(bytesOf('x'), { address: group(6), port: 9 }));
        await expectCode('TRANSPORT_BAD_OPTION', () => a.join(group(6)));
        const m = await open({ multicast: { interface: t.hostAddress } });
        await expectCode('TRANSPORT_BAD_OPTION', () => m.join('10.0.0.1'));
        await expectCode('TRANSPORT_MEMBERSHIP_FAILED', () => m.join(group(6), t.foreignAddress));
        await expectCode('TRANSPORT_MEMBERSHIP_FAILED', () => m.leave(group(6)));
        m.join(group(6));
        await expectCode('TRANSPORT_MEMBERSHIP_FAILED', () => m.join(group(6)));
        await expectCode('TRANSPORT_BAD_OPTION', () => m.setMulticastTtl(256));
        // A failed send through the writable fails the stream with the same typed error.
        const failed = new Promise<Error>((res) => a.writable.once('error', res));
        a.writable.write({ bytes: new Uint8Array(70_000), to: { address: t.hostAddress, port: 9 } });
        const err = (await failed) as Error & { code?: string };
        check(err.code === 'TRANSPORT_DATAGRAM_TOO_LARGE', `writable failed with ${String(err.code)}`);
      }, t),
  },
  {
    name: 'batchedSends: every datagram of a turn arrives whole, once and in order, whatever its size or destination',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 20;
        const g = group(20);
        const r = await open({ port, reuseAddr: true, recvBufferSize: 4 << 20, multicast: { interface: t.hostAddress, group: g } });
        const u = await open({ address: t.hostAddress, recvBufferSize: 1 << 20 });
        const s = await open({ batchedSends: true, multicast: { interface: t.hostAddress, loopback: true }, sendBufferSize: 4 << 20 });
        const got: Uint8Array[] = [];
        const gotUnicast: Uint8Array[] = [];
        r.onDatagram((bytes) => got.push(Uint8Array.from(bytes)));
        u.onDatagram((bytes) => gotUnicast.push(Uint8Array.from(bytes)));
        // Runs of equal sizes longer than a batch, a shorter last one, a longer one alone (past
        // the MTU: it must not become a segment size), an empty one, and unicast in between.
        const sizes = [...Array<number>(40).fill(1450), 700, 1450, 1450, 9000, 0, 1450, ...Array<number>(20).fill(300)];
        const sent = sizes.map((n, i) => {
          const b = new Uint8Array(n);
          for (let j = 0; j < n; j++) b[j] = (i * 17 + j) & 0xff;
          return b;
        });
        const errors: Error[] = [];
        let completed = 0;
        const uAddr = { address: t.hostAddress, port: u.address().port };
        // All in one turn, as a pacing loop sends: that is what gets coalesced.
        sent.forEach((b, i) => {
          s.sendCb(b, { address: g, port }, (err) => (err ? errors.push(err) : completed++));
          if (i % 10 === 5) s.sendCb(bytesOf(`unicast ${i}`), uAddr, (err) => (err ? errors.push(err) : completed++));
        });
        const unicasts = sizes.filter((_, i) => i % 10 === 5).length;
        check(await until(t, () => got.length >= sent.length && gotUnicast.length >= unicasts && completed === sent.length + unicasts, 3000), `got ${got.length} of ${sent.length} datagrams, ${gotUnicast.length} of ${unicasts} unicast, ${completed} completions, errors ${errors.map((e) => e.message).join('; ')}`);
        await t.settle(50);
        check(got.length === sent.length, `${got.length} datagrams arrived for ${sent.length} sent`);
        for (let i = 0; i < sent.length; i++) {
          check(Buffer.compare(Buffer.from(got[i] ?? []), Buffer.from(sent[i] as Uint8Array)) === 0, `datagram ${i} (${sizes[i]} B) differs: ${got[i]?.length ?? 'none'} B`);
        }
        check(gotUnicast.map((b) => Buffer.from(b).toString()).join(',') === sizes.flatMap((_, i) => (i % 10 === 5 ? [`unicast ${i}`] : [])).join(','), 'unicast datagrams differ');
        check(s.stats().sentDatagrams === sent.length + unicasts, `stats count ${s.stats().sentDatagrams} sent`);
        // Linux sockets (with koffi) and the twin really segment; elsewhere one send per datagram.
        if (t.name === 'memory' || process.platform === 'linux') check(s.stats().sendMode === 'segmented', `sendMode is ${s.stats().sendMode}`);
        check(r.stats().sendMode === 'per-datagram', 'an endpoint without batchedSends reports segmented');
      }, t),
  },
  {
    name: 'frameSender: frames written in place arrive whole, once and in order, beside sendCb batches of another size',
    run: (t) =>
      withEndpoints(async (open) => {
        const port = t.portBase + 21;
        const g = group(21);
        const r = await open({ port, reuseAddr: true, recvBufferSize: 4 << 20, multicast: { interface: t.hostAddress, group: g } });
        const s = await open({ batchedSends: true, multicast: { interface: t.hostAddress, loopback: true }, sendBufferSize: 4 << 20 });
        const got: Uint8Array[] = [];
        r.onDatagram((bytes) => got.push(Uint8Array.from(bytes)));
        const to = { address: g, port };
        const frames = s.frameSender(1450, to);
        const want: Uint8Array[] = [];
        let completed = 0;
        const errors: Error[] = [];
        const onDone = (err?: Error): void => void (err ? errors.push(err) : completed++);
        // Turn 1: a run of 300-byte sendCb datagrams (a segmenting socket sets its UDP_SEGMENT
        // option to 300 for them), then one lone 1450-byte frame, which that option must not cut.
        for (let i = 0; i < 20; i++) {
          const b = new Uint8Array(300).fill(i);
          want.push(b);
          s.sendCb(b, to, onDone);
        }
        const lone = frames.frame();
        for (let j = 0; j < 1450; j++) lone[j] = (j * 7) & 0xff;
        want.push(Uint8Array.from(lone));
        frames.commit(1450, onDone);
        await t.settle(20);
        // Turn 2: more frames than one send carries, the last one shorter.
        for (let i = 0; i < 37; i++) {
          const n = i === 36 ? 999 : 1450;
          const f = frames.frame();
          for (let j = 0; j < n; j++) f[j] = (i * 31 + j) & 0xff;
          want.push(Uint8Array.from(f.subarray(0, n)));
          frames.commit(n, onDone);
        }
        check(await until(t, () => got.length >= want.length && completed === want.length, 3000), `got ${got.length} of ${want.length} datagrams, ${completed} completions, errors ${errors.map((e) => e.message).join('; ')}`);
        await t.settle(50);
        check(got.length === want.length, `${got.length} datagrams arrived for ${want.length} sent`);
        // Datagrams of one sender to one group arrive in send order; the sendCb run and the frame
        // were sent in one turn, so only their relative order may differ.
        const key = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
        check([...got.slice(0, 21)].map(key).sort().join() === [...want.slice(0, 21)].map(key).sort().join(), 'the first turn arrived changed (a frame cut by the socket option?)');
        for (let i = 21; i < want.length; i++) check(key(got[i]) === key(want[i]), `frame ${i - 21} differs: ${got[i]?.length ?? 'none'} B`);
        check(s.stats().sentDatagrams === want.length, `stats count ${s.stats().sentDatagrams} sent`);
        if (t.name === 'memory' || process.platform === 'linux') check(frames.mode === 'segmented', `frame sender mode is ${frames.mode} (${frames.fallback ?? ''})`);
      }, t),
  },
];
export interface ConformanceResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Runs every case (one after another: they share ports and groups) and reports each. */
export async function runConformance(t: ConformanceTarget): Promise<ConformanceResult[]> {
  const out: ConformanceResult[] = [];
  for (const c of CONFORMANCE_CASES) {
    try {
      await c.run(t);
      out.push({ name: c.name, ok: true });
    } catch (err) {
      out.push({ name: c.name, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
  return out;
}
