'use strict';
// The floor-auth tool's packet tag (floor.cjs `auth`), apart so a test can hold it against the
// built bundle: castpoint's own PacketMac (libs/wire, bundled by the bench's build as
// dist/tools/bench/floor-crypto.cjs) under a fixed key both ends know, HMAC-SHA-256 truncated to
// `tagBytes` at `at`: the same code, on the same engine, the DP and agent run.
const path = require('node:path');

const BUNDLE = path.resolve(__dirname, '../../../dist/tools/bench/floor-crypto.cjs');

function floorMac(tagBytes) {
  const { PacketMac, packetCryptoEngine } = require(BUNDLE);
  const mac = new PacketMac(Buffer.alloc(32, 0x5a));
  return {
    engine: packetCryptoEngine().engine,
    sign: (buf, at) => mac.sign(buf, at, tagBytes),
    verify: (buf, at) => mac.verify(buf, at, tagBytes),
  };
}

module.exports = { floorMac };
