#!/usr/bin/env node
// The box's floor: bare Node, no protocol. Not a deployment (no repair, no authentication, no
// hashing, nothing written): it shows how fast this machine can move the image's datagrams from
// one sender process to N receiver processes at all, and what CPU that alone costs.
//   floor.cjs send FILE GROUP PORT IFACE   multicasts FILE as 1400-byte datagrams, 64 in flight
//   floor.cjs recv GROUP PORT IFACE COUNT   counts datagrams until COUNT, or 2 s of silence
// Receivers read the way castpoint's agent does on Linux (libs/transport batched reads: read(2)
// on the socket in batches, a 1 ms pause when it is empty); FLOOR_EVENTS=1 makes them count
// node:dgram 'message' events instead (the floor before 2026-11-24, ~3x the receive CPU).
// Each prints one JSON line on stdout at the end with its datagrams and CPU seconds (a receiver
// also says when its last datagram came, so silence at the end does not count as transfer time).
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');

const PAYLOAD = 1400;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function send(file, group, port, iface) {
  const data = fs.readFileSync(file);
  const total = Math.ceil(data.length / PAYLOAD);
  const s = dgram.createSocket('udp4');
  s.bind(0, iface, () => {
    s.setMulticastInterface(iface);
    s.setMulticastLoopback(false);
    s.setMulticastTTL(1);
    s.setSendBufferSize(4 << 20);
    let next = 0;
    let inFlight = 0;
    let done = 0;
    const pump = () => {
      while (inFlight < 64 && next < total) {
        const at = next++ * PAYLOAD;
        inFlight++;
        s.send(data.subarray(at, Math.min(at + PAYLOAD, data.length)), port, group, onSent);
      }
    };
    function onSent() {
      inFlight--;
      if (++done === total) {
        console.log(JSON.stringify({ role: 'send', datagrams: total, cpuSeconds: cpu() }));
        s.close();
      } else pump();
    }
    pump();
  });
}

function recv(group, port, iface, count) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  let n = 0;
  let last = Date.now();
  const end = () => {
    console.log(JSON.stringify({ role: 'recv', datagrams: n, cpuSeconds: cpu(), lastAtMs: last }));
    process.exit(0);
  };
  s.on('message', () => {
    last = Date.now();
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
        try {
          fs.readSync(handle.fd, buf, 0, buf.length, null);
        } catch (e) {
          if (e.code === 'EAGAIN') return void setTimeout(turn, 1);
          throw e;
        }
        last = Date.now();
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
if (role === 'send') send(args[0], args[1], Number(args[2]), args[3]);
else if (role === 'recv') recv(args[0], Number(args[1]), args[2], Number(args[3]));
else {
  console.error('usage: floor.cjs send FILE GROUP PORT IFACE | recv GROUP PORT IFACE COUNT');
  process.exit(2);
}
