// What the boot service does with one DHCP datagram: a pure function of the decoded message, the
// port it came in on, the service's settings and the lease pool, so proxy and lab-server behaviour
// is table-tested without sockets. The service sends what this returns and counts the rest.
import {
  classifyClient,
  DhcpOption,
  leaseNak,
  leaseReply,
  optionData,
  proxyAck,
  proxyOffer,
  bytesToIpv4,
  type DhcpMessage,
  type PxeClient,
} from '@castpoint/netboot';
import type { DhcpRange } from './boot-settings';
import type { LeasePool } from './lease-pool';

export interface DhcpAnswerContext {
  /** The DP's address on the boot LAN. */
  readonly serverIp: string;
  /** The iPXE script URL (with iPXE's ${...} variables) that iPXE clients get as their file. */
  readonly scriptUrl: string;
  /** The UEFI x64 first stage. @default ipxe.efi */
  readonly efiFile?: 'ipxe.efi' | 'snponly.efi';
  /** Set when the DP is the lab's DHCP server (`--dhcp-range`). */
  readonly lab?: { readonly range: DhcpRange; readonly pool: LeasePool };
}

/** Why a datagram got no answer; each is a counter (castpoint_dp_boot_dhcp_ignored_total). */
export type IgnoreReason = 'not-pxe' | 'unsupported-arch' | 'not-a-request' | 'other-server' | 'unhandled-type' | 'no-free-address';

export type DhcpAnswer =
  | { readonly kind: 'reply'; readonly message: DhcpMessage; readonly what: 'proxy-offer' | 'proxy-ack' | 'lease-offer' | 'lease-ack' | 'nak'; readonly client: PxeClient; readonly bootFile: string | undefined }
  | { readonly kind: 'ignore'; readonly reason: IgnoreReason; readonly client?: PxeClient };

/** First stage by firmware: iPXE gets the script URL; PXE ROMs get an iPXE build for their arch. */
export function bootFileFor(client: PxeClient, ctx: Pick<DhcpAnswerContext, 'scriptUrl' | 'efiFile'>): string | undefined {
  if (client.ipxe) return ctx.scriptUrl;
  if (!client.pxe) return undefined;
  if (client.arch?.kind === 'bios') return 'undionly.kpxe';
  if (client.arch?.kind === 'efi-x64') return ctx.efiFile ?? 'ipxe.efi';
  return undefined;
}

export function answerDhcp(port: 67 | 4011, msg: DhcpMessage, nowMs: number, ctx: DhcpAnswerContext): DhcpAnswer {
  if (msg.op !== 'request') return { kind: 'ignore', reason: 'not-a-request' };
  const client = classifyClient(msg);
  const bootFile = bootFileFor(client, ctx);
  const boot = bootFile !== undefined ? { serverIp: ctx.serverIp, bootFile } : undefined;
  const type = client.messageType;
  // Port 4011 is only ever the PXE boot-server step, in both modes.
  if (port === 4011 || !ctx.lab) {
    if (!client.pxe && !client.ipxe) return { kind: 'ignore', reason: 'not-pxe', client };
    if (!boot) return { kind: 'ignore', reason: 'unsupported-arch', client };
    if (port === 4011 && (type === 'request' || type === 'inform')) return { kind: 'reply', what: 'proxy-ack', message: proxyAck(msg, client, boot), client, bootFile };
    // On 67 a proxy answers DISCOVERs only: a REQUEST there selects the LAN's DHCP server's offer.
    if (port === 67 && type === 'discover') return { kind: 'reply', what: 'proxy-offer', message: proxyOffer(msg, client, boot), client, bootFile };
    return { kind: 'ignore', reason: 'unhandled-type', client };
  }
  const { pool, range } = ctx.lab;
  const lease = (address: string) => ({ address, netmask: range.netmask, leaseSeconds: Math.floor(pool.leaseMs / 1000) });
  const requested = optionData(msg, DhcpOption.requestedAddress);
  const requestedIp = requested?.length === 4 ? bytesToIpv4(requested) : undefined;
  if (type === 'discover') {
    const address = pool.offer(client.mac, nowMs, requestedIp);
    if (address === undefined) return { kind: 'ignore', reason: 'no-free-address', client };
    return { kind: 'reply', what: 'lease-offer', message: leaseReply('offer', msg, client, ctx.serverIp, lease(address), boot), client, bootFile };
  }
  if (type === 'request') {
    const serverId = optionData(msg, DhcpOption.serverId);
    if (serverId?.length === 4 && bytesToIpv4(serverId) !== ctx.serverIp) {
      // The client took another server's offer: whatever we offered it is free again.
      pool.release(client.mac);
      return { kind: 'ignore', reason: 'other-server', client };
    }
    const address = requestedIp ?? (msg.ciaddr !== '0.0.0.0' ? msg.ciaddr : undefined);
    if (address === undefined || !pool.confirm(client.mac, address, nowMs)) return { kind: 'reply', what: 'nak', message: leaseNak(msg, ctx.serverIp), client, bootFile: undefined };
    return { kind: 'reply', what: 'lease-ack', message: leaseReply('ack', msg, client, ctx.serverIp, lease(address), boot), client, bootFile };
  }
  if (type === 'release' || type === 'decline') pool.release(client.mac);
  return { kind: 'ignore', reason: 'unhandled-type', client };
}

/**
 * Another server's offer seen on the client port: its server id when it offers a PXE boot (or, in
 * lab mode, any lease), which means two boot servers answer this LAN's PXE clients.
 */
export function rivalServer(msg: DhcpMessage, ownIp: string, lab: boolean): string | undefined {
  if (msg.op !== 'reply') return undefined;
  const client = classifyClient(msg);
  if (client.messageType !== 'offer' && client.messageType !== 'ack') return undefined;
  const id = optionData(msg, DhcpOption.serverId);
  const server = id?.length === 4 ? bytesToIpv4(id) : msg.siaddr;
  if (server === ownIp) return undefined;
  const bootOffer = client.pxe || msg.file !== '' || optionData(msg, DhcpOption.bootfileName) !== undefined;
  return bootOffer || lab ? server : undefined;
}
