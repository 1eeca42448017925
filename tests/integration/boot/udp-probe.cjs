// A scripted DHCP client for the boot-service LAN test, run inside a netlab client namespace:
// binds 0.0.0.0:BIND_PORT, sends each hex payload to DEST:PORT (broadcast allowed) in order, and
// prints every datagram it receives as one JSON line, until COUNT (default 1) carry the xid
// UNTIL (hex, `XID` or `XID:COUNT`), or WAIT_MS pass. Plain JavaScript so it runs from the source tree with node alone.
'use strict';
const dgram = require('node:dgram');
const [bindPort, dest, destPort, until, waitMs, ...payloads] = process.argv.slice(2);
const [untilXid, count = '1'] = until.split(':');
let seen = 0;
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const stop = () => s.close(() => process.exit(0));
s.on('message', (m, r) => {
  process.stdout.write(JSON.stringify({ from: r.address, port: r.port, hex: m.toString('hex') }) + '\n');
  if (m.length >= 8 && m.subarray(4, 8).toString('hex') === untilXid && ++seen >= Number(count)) stop();
});
s.bind(Number(bindPort), '0.0.0.0', () => {
  s.setBroadcast(true);
  let chain = Promise.resolve();
  for (const p of payloads) chain = chain.then(() => new Promise((ok) => s.send(Buffer.from(p, 'hex'), Number(destPort), dest, () => ok())));
  chain.then(() => process.stdout.write(JSON.stringify({ sent: payloads.length }) + '\n'));
  setTimeout(stop, Number(waitMs)).unref();
});
