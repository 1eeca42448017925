// SessionSocket over libs/transport: bound to the session's port on every address (several agents
// on one host share it with SO_REUSEADDR), joined to the group on the chosen interface.
import { openUdpSocket, type Datagram, type UdpEndpoint } from '@castpoint/transport';
import type { SessionSocket } from '../flow/ports';

export interface SessionSocketOptions {
  readonly group: string;
  readonly port: number;
  readonly interfaceAddress: string;
  /** Receive buffer: a receiver at line rate needs more than the 208 KiB default. @default 8 MiB */
  readonly recvBufferSize?: number;
}

export async function openSessionSocket(o: SessionSocketOptions): Promise<SessionSocket> {
  const ep = await openUdpSocket({
    address: '0.0.0.0',
    port: o.port,
    reuseAddr: true,
    multicast: { group: o.group, interface: o.interfaceAddress },
    recvBufferSize: o.recvBufferSize ?? 8 * 1024 * 1024,
  });
  return endpointSocket(ep);
}

/** Wraps any UdpEndpoint (a real socket or a MemoryNetwork one). */
export function endpointSocket(ep: UdpEndpoint): SessionSocket {
  return {
    onDatagram(fn) {
      ep.readable.on('data', (d: Datagram) => fn(d.bytes));
      // A socket error ends the stream; the multicast loop then sees silence and re-registers.
      ep.readable.on('error', () => undefined);
    },
    send: (bytes, address, port) => ep.send(bytes, { address, port }),
    close: () => ep.close(),
  };
}
