#!/usr/bin/env node
// A tiny multicast sender/receiver that runs inside a lab namespace to prove the LAN carries groups.
//   mcast-probe.cjs send GROUP PORT IFACE COUNT PPS
//   mcast-probe.cjs recv GROUP PORT IFACE SECONDS     (prints "ready", then one JSON line)
'use strict';
const dgram = require('node:dgram');

const [mode, group, portS, iface, nS, rateS] = process.argv.slice(2);
const port = Number(portS);
if (!['send', 'recv'].includes(mode) || !group || !port || !iface) {
  console.error('usage: mcast-probe.cjs send|recv GROUP PORT IFACE COUNT|SECONDS [PPS]');
  process.exit(2);
}

if (mode === 'recv') {
  const seconds = Number(nS);
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const seen = new Set();
  let received = 0;
  sock.on('message', (msg) => {
    received++;
    if (msg.length >= 4) seen.add(msg.readUInt32BE(0));
  });
  sock.bind(port, () => {
    sock.addMembership(group, iface);
    console.log('ready');
    setTimeout(() => {
      console.log(JSON.stringify({ received, unique: seen.size }));
      sock.close();
    }, seconds * 1000);
  });
} else {
  const count = Number(nS);
  const pps = Number(rateS || 2000);
  const sock = dgram.createSocket('udp4');
  sock.bind(0, iface, () => {
    sock.setMulticastInterface(iface);
    sock.setMulticastTTL(1);
    const payload = Buffer.alloc(1000);
    let i = 0;
    const started = Date.now();
    const pump = () => {
      // Send what the clock allows so far: keeps the rate without a timer per packet.
      const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * pps) + 1);
      while (i < due) {
        const buf = Buffer.from(payload);
        buf.writeUInt32BE(i, 0);
        sock.send(buf, port, group);
        i++;
      }
      if (i < count) setTimeout(pump, 5);
      else setTimeout(() => { console.log(JSON.stringify({ sent: count })); sock.close(); }, 200);
    };
    pump();
  });
}
