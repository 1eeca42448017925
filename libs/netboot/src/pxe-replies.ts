// Replies the boot service sends: proxyDHCP offers and acks (PXE spec 2.1: no address, just the
// boot server and file) and, in an isolated lab, plain DHCP leases. Pure: the service picks the
// values (address, file, lease) and sends the bytes.
import { DhcpMessageType, DhcpOption, ipv4ToBytes, type DhcpMessage, type DhcpOptionEntry } from './dhcp-message';
import { NetbootError } from './errors';
import type { PxeClient } from './pxe-client';

/** PXE vendor option (43) sub-option 6, PXE_DISCOVERY_CONTROL. */
const PXE_DISCOVERY_CONTROL = 6;
/**
 * Bit 3: boot the file named in this offer directly (no boot server discovery, no menu). Without
 * it a PXE ROM starts a boot-server discovery castpoint does not answer.
 */
const DISCOVERY_DIRECT_BOOT = 0x08;

export interface BootOffer {
  /** The DP's address on the client's LAN: server id (54) and next server (siaddr, TFTP). */
  readonly serverIp: string;
  /** A TFTP file name, or for iPXE the script URL. */
  readonly bootFile: string;
}

export interface Lease {
  readonly address: string;
  readonly netmask: string;
  readonly leaseSeconds: number;
  readonly router?: string;
}

const opt = (code: number, data: Uint8Array): DhcpOptionEntry => ({ code, data });
const text = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

function ip(value: string, field: string): Uint8Array {
  const b = ipv4ToBytes(value);
  if (!b) throw new NetbootError('bad-field', `${field} "${value}" is not an IPv4 address`, { field, value });
  return b;
}

function reply(request: DhcpMessage, type: number, yiaddr: string, siaddr: string, file: string, options: DhcpOptionEntry[]): DhcpMessage {
  return {
    op: 'reply',
    htype: request.htype,
    hops: 0,
    xid: request.xid,
    secs: 0,
    broadcast: request.broadcast,
    ciaddr: request.op === 'request' ? request.ciaddr : '0.0.0.0',
    yiaddr,
    siaddr,
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: '',
    file,
    options: [opt(DhcpOption.messageType, Uint8Array.of(type)), ...options],
  };
}

/** The PXE part every offer to a PXE client carries: vendor class, direct boot, the UUID echoed. */
function pxeOptions(client: PxeClient): DhcpOptionEntry[] {
  const out = [
    opt(DhcpOption.vendorClass, text('PXEClient')),
    opt(DhcpOption.vendorSpecific, Uint8Array.of(PXE_DISCOVERY_CONTROL, 1, DISCOVERY_DIRECT_BOOT, DhcpOption.end)),
  ];
  if (client.uuidOption) out.push(opt(DhcpOption.clientUuid, client.uuidOption));
  return out;
}

function bootOptions(offer: BootOffer, client: PxeClient): DhcpOptionEntry[] {
  return [opt(DhcpOption.serverId, ip(offer.serverIp, 'serverIp')), ...pxeOptions(client), opt(DhcpOption.bootfileName, text(offer.bootFile))];
}

/** proxyDHCP offer on port 67: yiaddr stays 0.0.0.0 (the LAN's DHCP server gives the address). */
export function proxyOffer(request: DhcpMessage, client: PxeClient, offer: BootOffer): DhcpMessage {
  return reply(request, DhcpMessageType.offer, '0.0.0.0', offer.serverIp, offer.bootFile, bootOptions(offer, client));
}

/** Answer to a PXE client's request on port 4011 (or a proxy request on 67): an ACK, same content. */
export function proxyAck(request: DhcpMessage, client: PxeClient, offer: BootOffer): DhcpMessage {
  return reply(request, DhcpMessageType.ack, '0.0.0.0', offer.serverIp, offer.bootFile, bootOptions(offer, client));
}

/**
 * A lease offer or ack of the lab DHCP server (`--dhcp-range`). A PXE client gets its boot file in
 * the same message (no proxy step then); a plain client gets the address only.
 */
export function leaseReply(kind: 'offer' | 'ack', request: DhcpMessage, client: PxeClient, serverIp: string, lease: Lease, boot: BootOffer | undefined): DhcpMessage {
  const options = [
    opt(DhcpOption.serverId, ip(serverIp, 'serverIp')),
    opt(DhcpOption.leaseTime, u32(lease.leaseSeconds)),
    opt(DhcpOption.subnetMask, ip(lease.netmask, 'netmask')),
    ...(lease.router !== undefined ? [opt(DhcpOption.router, ip(lease.router, 'router'))] : []),
    ...(boot ? [...pxeOptions(client), opt(DhcpOption.bootfileName, text(boot.bootFile))] : []),
  ];
  const type = kind === 'offer' ? DhcpMessageType.offer : DhcpMessageType.ack;
  return reply(request, type, lease.address, boot ? boot.serverIp : '0.0.0.0', boot ? boot.bootFile : '', options);
}

/** A NAK: the address the client asks for is not (or no longer) its lease here. */
export function leaseNak(request: DhcpMessage, serverIp: string): DhcpMessage {
  return reply(request, DhcpMessageType.nak, '0.0.0.0', '0.0.0.0', '', [opt(DhcpOption.serverId, ip(serverIp, 'serverIp'))]);
}
