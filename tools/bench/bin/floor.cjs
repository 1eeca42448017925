#!/usr/bin/env node
// The box's floor: bare Node, no protocol. Not a deployment (no repair, no authentication, no
// hashing, nothing written): it shows how fast this machine can move the image's datagrams from
// one sender process to N receiver processes at all, and what CPU that alone costs.
//   floor.cjs send FILE GROUP PORT IFACE [auth] [rate=BPS]   multicasts FILE as 1400-byte datagrams, 64 in flight,
//                                                  paced to BPS bits/s on the wire when given
//   floor.cjs recv GROUP PORT IFACE COUNT [auth]   counts datagrams until COUNT, or 2 s of silence
// Receivers read the way castpoint's agent does on Linux (libs/transport batched reads: read(2)
// on the socket in batches, a 1 ms pause when it is empty); FLOOR_EVENTS=1 makes them count
// node:dgram 'message' events instead (the floor before 2026-11-24, ~3x the receive CPU).
// Each prints one JSON line on stdout at the end with its datagrams and CPU seconds (a receiver
// also says when its last datagram came, so silence at the end does not count as transfer time).
// A last argument `auth` adds the least work any authenticated, verified receiver must do (the
// `floor-auth` tool): datagrams framed as castpoint's (34-byte header, payload, 16-byte tag),
// the tag an HMAC-SHA-256 made and checked by castpoint's own PacketMac (libs/wire), and every
// received MiB of payload hashed with SHA-256 as the agent checks chunks. Still no repair, no
// protocol state, nothing written. The HMAC runs on the engine castpoint's own processes get (the
// native add-on where it is built, else node:crypto; CASTPOINT_NATIVE=0 turns the add-on off for
// both), and each JSON line names it.
// `rate=BPS` paces the sender as the peers are paced on a shaped link (udp-sender's
// --max-bitrate, castpoint's --max-rate: 95% of it): unpaced, the sender overran the link's
// shaper, which dropped up to half of what it sent (floor-auth's 500 Mbit/s runs put 95-184 MB of
// the 223 MB on the wire, 2026-12-06), so its wall time was no floor for a shaped case.
'use strict';
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const { allowedDatagrams, wireBytes } = require('./floor-pace.cjs');
const { floorMac } = require('./floor-mac.cjs');

const PAYLOAD = 1400;
const HEADER = 34;
const TAG = 16;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function send(file, group, port, iface, auth, rateBps) {
  const data = fs.readFileSync(file);
  const total = Math.ceil(data.length / PAYLOAD);
  const mac = auth ? floorMac(TAG) : undefined;
  // Framed like a castpoint data packet: a fresh buffer per datagram (it is in flight until sent).
  const frame = (at, end) => {
    const b = Buffer.alloc(HEADER + (end - at) + TAG);
    b.writeUInt32BE(at / PAYLOAD, 28);
    data.copy(b, HEADER, at, end);
    mac.sign(b, b.length - TAG);
    return b;
  };
  const s = dgram.createSocket('udp4');
  s.bind(0, iface, () => {
    s.setMulticastInterface(iface);
    s.setMulticastLoopback(false);
    s.setMulticastTTL(1);
    s.setSendBufferSize(4 << 20);
    let next = 0;
    let inFlight = 0;
    let done = 0;
    let waiting = false;
    const perDatagram = wireBytes(PAYLOAD + (mac ? HEADER + TAG : 0)) * 8;
    const t0 = process.hrtime.bigint();
    // How many datagrams the rate allows by now (all of them unpaced).
    const allowed = () => allowedDatagrams(Number(process.hrtime.bigint() - t0) / 1e9, rateBps, perDatagram, total);
    const pump = () => {
      const limit = allowed();
      while (inFlight < 64 && next < total && next < limit) {
        const at = next++ * PAYLOAD;
        inFlight++;
        const end = Math.min(at + PAYLOAD, data.length);
        s.send(mac ? frame(at, end) : data.subarray(at, end), port, group, onSent);
      }
      // Ahead of the rate: come back in 1 ms (at 475 Mbit/s ~40 datagrams, far below a shaper's burst).
      if (next < total && next >= limit && inFlight < 64 && !waiting) {
        waiting = true;
        setTimeout(() => {
          waiting = false;
          pump();
        }, 1);
      }
    };
    function onSent() {
      inFlight--;
      if (++done === total) {
        console.log(JSON.stringify({ role: 'send', datagrams: total, cpuSeconds: cpu(), ...(mac ? { macEngine: mac.engine } : {}) }));
        s.close();
      } else pump();
    }
    pump();
  });
}

function recv(group, port, iface, count, auth) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  let n = 0;
  let last = Date.now();
  const end = () => {
    const extra = auth ? { badTags: bad, mibHashed: chunks, macEngine: mac.engine } : {};
    console.log(JSON.stringify({ role: 'recv', datagrams: n, cpuSeconds: cpu(), lastAtMs: last, ...extra }));
    process.exit(0);
  };
  // auth: check the tag, gather payloads into a MiB and hash each full one.
  const mac = auth ? floorMac(TAG) : undefined;
  const chunk = Buffer.alloc(1 << 20);
  let fill = 0;
  let chunks = 0;
  let bad = 0;
  const take = (buf, length) => {
    if (!mac.verify(buf, length - TAG)) return void bad++;
    const body = Math.min(length - TAG - HEADER, chunk.length - fill);
    buf.copy(chunk, fill, HEADER, HEADER + body);
    fill += body;
    if (fill === chunk.length) {
      crypto.createHash('sha256').update(chunk).digest();
      chunks++;
      fill = 0;
    }
  };
  s.on('message', (msg) => {
    last = Date.now();
    if (mac) take(msg, msg.length);
    if (++n === count) end();
  });
  s.bind(port, group, () => {
    s.addMembership(group, iface);
    s.setRecvBufferSize(8 << 20);
    if (process.env.FLOOR_EVENTS !== '1') readInBatches(s);
    console.log('listening');
  });
  // read(2) in batches; node:dgram's handle is internal, so without it the events above count.
  function readInBatches(sock) {
    const sym = Object.getOwnPropertySymbols(sock).find((x) => x.description === 'state symbol');
    const handle = sym && sock[sym] && sock[sym].handle;
    if (!handle || typeof handle.fd !== 'number' || handle.fd < 0 || typeof handle.recvStop !== 'function') return;
    handle.recvStop();
    const buf = Buffer.allocUnsafe(65536);
    const turn = () => {
      for (let i = 0; i < 256; i++) {
        let length;
        try {
          length = fs.readSync(handle.fd, buf, 0, buf.length, null);
        } catch (e) {
          if (e.code === 'EAGAIN') return void setTimeout(turn, 1);
          throw e;
        }
        last = Date.now();
        if (mac) take(buf, length);
        if (++n === count) return end();
      }
      setImmediate(turn);
    };
    turn();
  }
  setInterval(() => {
    if (n > 0 && Date.now() - last > 2000) end();
  }, 100);
}

const [role, ...args] = process.argv.slice(2);
const rateArg = args.find((a) => a.startsWith('rate='));
if (role === 'send') send(args[0], args[1], Number(args[2]), args[3], args.slice(4).includes('auth'), rateArg ? Number(rateArg.slice(5)) : 0);
else if (role === 'recv') recv(args[0], Number(args[1]), args[2], Number(args[3]), args[4] === 'auth');
else {
  console.error('usage: floor.cjs send FILE GROUP PORT IFACE [auth] [rate=BPS] | recv GROUP PORT IFACE COUNT [auth]');
  process.exit(2);
}
