// The DHCP message (RFC 2131 section 2, on the BOOTP layout of RFC 951) as the codec hands it over,
// and the option numbers castpoint reads or writes (RFC 2132, RFC 4578 for PXE, iPXE's own 175).

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** PXE boot server port: a PXE client that took a proxy offer asks here again (PXE spec 2.1). */
export const PXE_PROXY_PORT = 4011;

/** The fixed BOOTP header (op .. file), before the magic cookie. */
export const BOOTP_HEADER_SIZE = 236;
export const MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);
/** BOOTP relays and old clients drop replies shorter than the original 300-byte BOOTP message. */
export const MIN_DHCP_SIZE = 300;
/** Larger datagrams are dropped: nothing PXE firmware sends comes near one Ethernet frame. */
export const MAX_DHCP_SIZE = 1500;

export const DhcpOption = {
  pad: 0,
  subnetMask: 1,
  router: 3,
  hostName: 12,
  vendorSpecific: 43,
  requestedAddress: 50,
  leaseTime: 51,
  messageType: 53,
  serverId: 54,
  parameterList: 55,
  maxMessageSize: 57,
  vendorClass: 60,
  clientId: 61,
  tftpServerName: 66,
  bootfileName: 67,
  userClass: 77,
  clientArch: 93,
  clientNdi: 94,
  clientUuid: 97,
  ipxeEncap: 175,
  end: 255,
} as const;

export const DhcpMessageType = {
  discover: 1,
  offer: 2,
  request: 3,
  decline: 4,
  ack: 5,
  nak: 6,
  release: 7,
  inform: 8,
} as const;
export type DhcpMessageTypeName = keyof typeof DhcpMessageType;

export interface DhcpOptionEntry {
  readonly code: number;
  readonly data: Uint8Array;
}

export interface DhcpMessage {
  readonly op: 'request' | 'reply';
  /** Hardware type (1: Ethernet). */
  readonly htype: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  /** The BROADCAST flag: the client cannot take unicast before it has an address. */
  readonly broadcast: boolean;
  readonly ciaddr: string;
  readonly yiaddr: string;
  /** Next server: where the client fetches its boot file by TFTP. */
  readonly siaddr: string;
  readonly giaddr: string;
  /** The client hardware address, hlen bytes. */
  readonly chaddr: Uint8Array;
  readonly sname: string;
  /** Boot file name (the `file` field). */
  readonly file: string;
  /** Options in wire order, Pad and End left out. A code may repeat (RFC 3396): see optionData. */
  readonly options: readonly DhcpOptionEntry[];
}

/** An option's data; repeated instances are concatenated (RFC 3396). undefined: absent. */
export function optionData(msg: Pick<DhcpMessage, 'options'>, code: number): Uint8Array | undefined {
  const parts = msg.options.filter((o) => o.code === code);
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0]?.data;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return out;
}

export function messageTypeOf(msg: Pick<DhcpMessage, 'options'>): DhcpMessageTypeName | undefined {
  const d = optionData(msg, DhcpOption.messageType);
  if (d?.length !== 1) return undefined;
  return (Object.keys(DhcpMessageType) as DhcpMessageTypeName[]).find((k) => DhcpMessageType[k] === d[0]);
}

/** `52:54:00:12:34:56` for an Ethernet chaddr; lower-case hex pairs joined by `:` otherwise too. */
export function macOf(msg: Pick<DhcpMessage, 'chaddr'>): string {
  return [...msg.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function ipv4ToBytes(ip: string): Uint8Array | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

export function bytesToIpv4(b: Uint8Array, at = 0): string {
  return `${b[at] ?? 0}.${b[at + 1] ?? 0}.${b[at + 2] ?? 0}.${b[at + 3] ?? 0}`;
}
