// SessionSocket over libs/transport. Two endpoints: one receives the group (bound to the group
// address on Linux, so it gets only this group's datagrams and never clashes with a DP socket
// bound to a unicast address at the same port on the same host), one sends control messages
// by unicast from an ephemeral port (the DP knows agents by the envelope's sender id, not by port).
import { openUdpSocket, type OpenUdpOptions, type UdpEndpoint } from '@castpoint/transport';
import type { SessionSocket } from '../flow/ports';
import { loadKoffi } from '../win32/koffi-native';

export interface SessionSocketOptions {
  readonly group: string;
  readonly port: number;
  readonly interfaceAddress: string;
  /** Receive buffer: a receiver at line rate needs more than the 208 KiB default. @default 8 MiB */
  readonly recvBufferSize?: number;
  /** Opens an endpoint (MemoryNetwork's open in tests). @default openUdpSocket */
  readonly open?: (o: OpenUdpOptions) => Promise<UdpEndpoint>;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
}

export async function openSessionSocket(o: SessionSocketOptions): Promise<SessionSocket> {
  const open = o.open ?? openUdpSocket;
  // Windows cannot bind a multicast address (WSAEADDRNOTAVAIL): it binds the wildcard there.
  const bindAddress = (o.platform ?? process.platform) === 'win32' ? '0.0.0.0' : o.group;
  const recv = await open({
    address: bindAddress,
    port: o.port,
    reuseAddr: true,
    multicast: { group: o.group, interface: o.interfaceAddress },
    recvBufferSize: o.recvBufferSize ?? 8 * 1024 * 1024,
    // Packets are signed and carry their sender's id, so the source address is not needed, and
    // reading in batches costs about a third of the CPU per datagram (docs/transport.md).
    batchedReads: true,
    // The flow decodes each datagram at once and the engine copies the symbols it keeps
    // (PartialBlock), so the reader's own buffer can be lent: no copy, no fresh slabs.
    lendDatagrams: true,
    // recvmmsg (up to 64 datagrams per system call) goes through koffi: from node_modules beside
    // the bundle, or in the single executable from the asset it carries.
    loadKoffi,
  });
  let send: UdpEndpoint;
  try {
    send = await open({ address: '0.0.0.0', port: 0 });
  } catch (err) {
    await recv.close();
    throw err;
  }
  return endpointSocket(recv, send);
}

/** Wraps endpoints (real sockets or MemoryNetwork ones): `recv` for the group, `send` for control. */
export function endpointSocket(recv: UdpEndpoint, send: UdpEndpoint = recv): SessionSocket {
  return {
    onDatagram(fn) {
      // Straight from the socket, not through the readable: at 20k datagrams/s per agent the
      // stream's per-datagram tick and objects were measurable CPU.
      recv.onDatagram((bytes) => fn(bytes));
      // A socket error ends the stream; the multicast loop then sees silence and re-registers.
      recv.readable.on('error', () => undefined);
    },
    send: (bytes, address, port) => send.send(bytes, { address, port }),
    close: async () => {
      await recv.close();
      if (send !== recv) await send.close();
    },
  };
}
