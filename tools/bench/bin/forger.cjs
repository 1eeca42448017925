#!/usr/bin/env node
// An attacker on the LAN: finds IMAGE's session on the DP, joins its group and, for SECONDS,
// sends to the group (a) mutated copies of real packets, (b) copies with another session id,
// (c) random garbage. Every one of them must be dropped and counted by the agents.
//   forger.cjs DP_URL ADMIN_TOKEN IMAGE IFACE SECONDS
'use strict';
const dgram = require('node:dgram');
const crypto = require('node:crypto');

const [url, token, image, iface, secondsS] = process.argv.slice(2);
const seconds = Number(secondsS);

async function findSession() {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${url}/api/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
      const list = await res.json();
      const s = Array.isArray(list) && list.find((x) => x.image === image && x.state === 'running');
      if (s) return s;
    } catch {
      // DP not answering yet: retry.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no running session for ${image}`);
}

findSession().then((s) => {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const counts = { mutated: 0, wrongSession: 0, garbage: 0, seen: 0 };
  const send = (buf) => sock.send(buf, s.port, s.group);
  sock.on('message', (msg, rinfo) => {
    if (rinfo.address === iface) return; // our own forgeries looping back
    counts.seen++;
    if (counts.seen % 4 !== 0) return;
    const m = Buffer.from(msg);
    m[crypto.randomInt(m.length)] ^= 1 << crypto.randomInt(8);
    send(m);
    counts.mutated++;
    if (counts.seen % 8 === 0 && msg.length > 12) {
      const w = Buffer.from(msg);
      w.writeUInt32BE((w.readUInt32BE(8) + 1) >>> 0, 8);
      send(w);
      counts.wrongSession++;
    }
  });
  sock.bind(s.port, () => {
    sock.addMembership(s.group, iface);
    sock.setMulticastInterface(iface);
    sock.setMulticastLoopback(false);
    const garbage = setInterval(() => {
      send(crypto.randomBytes(1 + crypto.randomInt(1400)));
      counts.garbage++;
    }, 2);
    setTimeout(() => {
      clearInterval(garbage);
      console.log(JSON.stringify({ group: s.group, port: s.port, ...counts }));
      sock.close();
    }, seconds * 1000);
  });
}, (err) => {
  console.error(err.message);
  process.exit(1);
});
