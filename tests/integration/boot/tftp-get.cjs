// A minimal TFTP client (RFC 1350 + blksize/tsize) for the boot-service LAN test: reads FILE from
// SERVER:69 and prints {size, sha256, oack} or {error: {code, message}} as one JSON line.
'use strict';
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const [server, file, blksize] = process.argv.slice(2);
const s = dgram.createSocket('udp4');
const parts = [];
let size = 512;
let expect = 1;
let oack = null;
const done = (out) => {
  process.stdout.write(JSON.stringify(out) + '\n');
  s.close(() => process.exit(0));
};
const ack = (block, r, then) => s.send(Buffer.from([0, 4, block >> 8, block & 255]), r.port, r.address, then);
s.on('message', (m, r) => {
  const op = m.readUInt16BE(0);
  if (op === 6) {
    const f = m.subarray(2).toString('latin1').split('\0');
    oack = {};
    for (let i = 0; i + 1 < f.length; i += 2) oack[f[i]] = f[i + 1];
    if (oack.blksize) size = Number(oack.blksize);
    ack(0, r);
  } else if (op === 3) {
    const block = m.readUInt16BE(2);
    if (block === (expect & 0xffff)) {
      parts.push(m.subarray(4));
      expect++;
    }
    // The last ACK must leave before the socket closes: the server counts the transfer done on it.
    const last = m.length - 4 < size;
    ack(block, r, () => {
      if (!last) return;
      const all = Buffer.concat(parts);
      done({ size: all.length, sha256: crypto.createHash('sha256').update(all).digest('hex'), oack });
    });
  } else if (op === 5) {
    done({ error: { code: m.readUInt16BE(2), message: m.subarray(4).toString('latin1').replace(/\0$/, '') } });
  }
});
const opts = blksize ? ['blksize', blksize, 'tsize', '0'] : [];
s.send(Buffer.from([0, 1, ...Buffer.from([file, 'octet', ...opts].join('\0') + '\0', 'latin1')]), 69, server);
setTimeout(() => done({ error: { code: -1, message: 'timeout' } }), 30_000).unref();
