// A seam between the test sender and the network for the hostile cases flow specs stage: every
// packet the sender puts on the wire, and every control packet that reaches it, passes through a
// `tamper` hook as a decoded packet. The hook returns it (sent/delivered as it was), another
// packet (re-encoded with the session key alone: authenticated, unsigned, as an agent of the
// session or a corrupted copy could make it), several, or nothing (dropped). Nothing else about
// the sender changes: it is the real engine.
import type { Datagram, PeerAddress, UdpEndpoint } from '@castpoint/transport';
import { decodePacket, encodePacket, type Packet, type SessionKey } from '@castpoint/wire';

export type TamperDirection = 'out' | 'in';
export type TamperResult = Packet | readonly Packet[] | undefined;
export type Tamper = (packet: Packet, direction: TamperDirection) => TamperResult;

/** Passes everything as it is. */
export const NO_TAMPER: Tamper = (p) => p;

export interface TamperSocket {
  /** Sends `bytes` to `to` after the hook (the sender's send path). */
  send(bytes: Uint8Array, to: PeerAddress): void;
  /** Registers the sender's receive path; datagrams reach it after the hook. */
  onDatagram(fn: (d: Datagram) => void): void;
}

export function tamperSocket(ep: UdpEndpoint, key: SessionKey, sessionId: number, tamper: Tamper): TamperSocket {
  const through = (bytes: Uint8Array, direction: TamperDirection): Uint8Array[] => {
    // The sender's own packets are signed with the DP key; decoding needs only the session key here.
    const r = decodePacket(bytes, key, { sessionId });
    if (!r.ok) return [bytes];
    const result = tamper(r.packet, direction);
    const packets = result === undefined ? [] : Array.isArray(result) ? (result as readonly Packet[]) : [result as Packet];
    return packets.map((p) => (p === r.packet ? bytes : encodePacket(p.envelope, p.message, key)));
  };
  return {
    send(bytes, to) {
      for (const b of through(bytes, 'out')) void ep.send(b, to);
    },
    onDatagram(fn) {
      ep.readable.on('data', (d: Datagram) => {
        for (const b of through(d.bytes, 'in')) fn({ ...d, bytes: b });
      });
    },
  };
}
