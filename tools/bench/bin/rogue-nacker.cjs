#!/usr/bin/env node
// An insider on the LAN (issue 22.4): it holds the client token, asks the DP for IMAGE like an
// agent, and then, for SECONDS, instead of receiving, sends its session a NACK for every block every
// --every ms and a status that never says done. With --lie the status claims 90% loss and a goodput
// of 1 byte/s (what the rate control reads). With --invent N it also sends status for N receiver ids
// the DP never handed out (what grew the runner's maps). It prints one JSON line: what it sent, and
// whether the DP moved it out (a kick for its id in the group, or a 410/fallback on asking again).
//   rogue-nacker.cjs DP_URL CLIENT_TOKEN IMAGE IFACE SECONDS [--every MS] [--lie] [--invent N]
// The wire codec and block layout come from this checkout's sources (bundled at start by esbuild),
// so the tool always speaks the protocol of the DP it is run against.
'use strict';
const dgram = require('node:dgram');
const os = require('node:os');
const path = require('node:path');
const { buildSync } = require('esbuild');

const root = path.resolve(__dirname, '../../..');
const args = process.argv.slice(2);
const [url, token, image, iface, secondsS] = args;
const flag = (name) => args.indexOf(name);
const value = (name, dflt) => (flag(name) >= 0 ? Number(args[flag(name) + 1]) : dflt);
const everyMs = value('--every', 20);
const invent = value('--invent', 0);
const lie = flag('--lie') >= 0;
const seconds = Number(secondsS);
if (!url || !token || !image || !iface || !(seconds > 0) || !(everyMs > 0) || !(invent >= 0)) {
  console.error('usage: rogue-nacker.cjs DP_URL CLIENT_TOKEN IMAGE IFACE SECONDS [--every MS] [--lie] [--invent N]');
  process.exit(2);
}

/** @castpoint/wire and the block layout of @castpoint/chunking, bundled from source. */
function loadLibs() {
  const out = buildSync({
    stdin: { contents: "export * from '@castpoint/wire'; export { BlockLayout } from '@castpoint/chunking';", resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'silent',
  });
  const m = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(m, m.exports, require);
  return m.exports;
}

async function join() {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${url}/api/v1/agent/request`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image, hostname: `rogue-${os.hostname()}`.replace(/[^A-Za-z0-9._-]/g, '-') }),
      });
      const body = await res.json();
      if (res.ok && body.status === 'join') return body;
    } catch {
      // DP not answering yet: retry.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the DP never let us join ${image}`);
}

async function main() {
  const wire = loadLibs();
  const reply = await join();
  const s = reply.session;
  const layout = new wire.BlockLayout(reply.manifest, { symbolSize: s.symbolSize, blockSymbols: s.blockSymbols });
  const key = wire.createSessionKey(new Uint8Array(Buffer.from(s.key, 'base64')), s.encrypted);
  const me = reply.receiverId;
  const counts = { receiverId: me, sessionId: s.id, totalBlocks: layout.totalBlocks, nacks: 0, statuses: 0, invented: 0, kicked: false };
  const seqs = new Map();
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const send = (senderId, message) => {
    const seq = (seqs.get(senderId) ?? 0n) + 1n;
    seqs.set(senderId, seq);
    const bytes = wire.encodePacket({ sessionId: s.id, senderId, seq, sentAtMs: Date.now() % 0x100000000 }, message, key);
    sock.send(bytes, s.senderPort, s.senderAddress);
  };
  const status = (receiverId) => ({
    type: 'status', receiverId, state: 'repairing', blocksDone: 0, totalBlocks: layout.totalBlocks,
    rateBps: lie ? 1 : 7_500_000, lossPpm: lie ? 900_000 : 0, maxGap: 0,
  });
  sock.on('message', (msg) => {
    // Watch the group for a kick naming us (the DP's slow policy moving us out).
    const r = wire.decodePacket(new Uint8Array(msg), key, { sessionId: s.id });
    if (r.ok && r.packet.message.type === 'kick' && r.packet.message.receiverId === me) counts.kicked = true;
  });
  await new Promise((resolve) => sock.bind(s.port, () => resolve(undefined)));
  sock.addMembership(s.group, iface);
  sock.setMulticastInterface(iface);
  let nextInvented = 0x40000000;
  const nack = setInterval(() => {
    send(me, { type: 'nack', receiverId: me, entries: [], ranges: [{ first: 0, last: layout.totalBlocks - 1 }] });
    counts.nacks++;
    if (counts.nacks % Math.max(1, Math.round(1000 / everyMs)) === 0) {
      send(me, status(me));
      counts.statuses++;
    }
    // Invented ids: a status each, spread over the run.
    for (let i = 0; i < Math.ceil(invent / ((seconds * 1000) / everyMs)) && counts.invented < invent; i++) {
      const id = nextInvented++;
      send(id, status(id));
      counts.invented++;
    }
  }, everyMs);
  send(me, status(me));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(nack);
  sock.close();
  console.log(JSON.stringify(counts));
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
