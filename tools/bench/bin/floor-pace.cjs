'use strict';
// The floor sender's pacing (floor.cjs `rate=BPS`), apart so a unit test can hold it.

/** Bytes a datagram of `payload` bytes takes on an Ethernet link: UDP, IPv4 and Ethernet headers, FCS. */
const wireBytes = (payload) => payload + 8 + 20 + 14 + 4;

/**
 * How many of `total` datagrams (each `bitsPerDatagram` on the wire) a sender paced to `rateBps`
 * may have sent `elapsedSeconds` after its start: one at once, then the rate. Unpaced (rate 0): all.
 */
function allowedDatagrams(elapsedSeconds, rateBps, bitsPerDatagram, total) {
  if (!(rateBps > 0)) return total;
  return Math.min(total, Math.floor(elapsedSeconds * (rateBps / bitsPerDatagram)) + 1);
}

module.exports = { allowedDatagrams, wireBytes };
