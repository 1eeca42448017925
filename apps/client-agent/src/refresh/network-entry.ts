// Which firmware boot entry is the network boot, from what efibootmgr or bcdedit show of it.
// Pure: one rule for both (a description and, on Linux, a device path), table-tested.

/** A boot entry as both parsers reduce it. `id` is what the set-next command takes. */
export interface BootEntry {
  readonly id: string;
  readonly description: string;
  /** The UEFI device path (efibootmgr -v); '' where it is not shown (bcdedit). */
  readonly path: string;
  readonly active: boolean;
}

/** PXE over IPv4 is what the DP's boot service answers; the others are boots it cannot serve. */
export type NetworkKind = 'pxe-ipv4' | 'network' | 'pxe-ipv6' | 'http';

export interface NetworkEntry {
  readonly entry: BootEntry;
  readonly kind: NetworkKind;
  /** The NIC's MAC when the path (MAC(...)) or the description names it, lower case with colons. */
  readonly mac: string | null;
}

// Names firmware gives network entries: EDK2/OVMF "UEFI PXEv4 (MAC:...)", Hyper-V "EFI Network",
// Dell "Onboard NIC(IPV4)", HP "IPV4 Network - Intel...", Lenovo "PCI LAN", iPXE ROMs "iPXE".
const NETWORKISH = /\b(pxe(v[46])?|ip[v ]?[46]|network|nic|lan|ethernet|ipxe|http(v[46])?)\b/i;

/** What kind of network entry this is, or null when nothing says it boots from the network. */
export function classifyEntry(e: BootEntry): NetworkEntry | null {
  const path = e.path;
  const mac = macOf(path, e.description);
  const hasMacNode = /(^|\/)MAC\(/i.test(path);
  if (!hasMacNode && !NETWORKISH.test(e.description)) return null;
  const text = `${e.description} ${path}`;
  let kind: NetworkKind = 'network';
  if (/\bhttp(v[46])?\b|\/Uri\(/i.test(text)) kind = 'http';
  else if (/\bip(v)?6\b|pxev6|\/IPv6\(/i.test(text)) kind = 'pxe-ipv6';
  else if (/\bip(v)?4\b|pxev4|\/IPv4\(|\bpxe\b/i.test(text)) kind = 'pxe-ipv4';
  return { entry: e, kind, mac };
}

function macOf(path: string, description: string): string | null {
  const node = /MAC\(([0-9a-f]{12})\b/i.exec(path) ?? /MAC:\s*([0-9a-f]{12})\b/i.exec(description);
  const dashed = /\b([0-9a-f]{2}(?:[-:][0-9a-f]{2}){5})\b/i.exec(description);
  const hex = node?.[1] ?? dashed?.[1]?.replace(/[-:]/g, '');
  return hex ? (hex.toLowerCase().match(/../g) ?? []).join(':') : null;
}

const KIND_RANK: Record<NetworkKind, number> = { 'pxe-ipv4': 0, network: 1, 'pxe-ipv6': 2, http: 3 };

export type NetworkPick =
  | { ok: true; pick: NetworkEntry; why: string }
  /** `inactive`: network entries the firmware would skip; `efibootmgr -b XXXX -a` would enable them. */
  | { ok: false; reason: string; inactive: NetworkEntry[] };

/**
 * The entry to make the next boot: an active network entry, the NIC this machine identified
 * itself with (`macs`) before any other, PXE over IPv4 before a network entry of unknown kind,
 * before IPv6 and HTTP boot (the DP's boot service answers DHCPv4 PXE), then in boot order.
 */
export function pickNetworkEntry(entries: readonly BootEntry[], macs: readonly string[], order: readonly string[] = []): NetworkPick {
  const ours = new Set(macs.map((m) => m.toLowerCase().replace(/-/g, ':')));
  const network = entries.map(classifyEntry).filter((n): n is NetworkEntry => n !== null);
  const active = network.filter((n) => n.entry.active);
  if (active.length === 0) {
    const reason = network.length === 0 ? `no boot entry is a network boot (${entries.length} entries: ${entries.map((e) => `${e.id} "${e.description}"`).join(', ') || 'none'})` : `the network boot entries are inactive: ${network.map((n) => `${n.entry.id} "${n.entry.description}"`).join(', ')}`;
    return { ok: false, reason, inactive: network };
  }
  const pos = (n: NetworkEntry) => {
    const i = order.findIndex((o) => o.toLowerCase() === n.entry.id.toLowerCase());
    return i < 0 ? order.length : i;
  };
  const mine = (n: NetworkEntry) => (n.mac !== null && ours.has(n.mac) ? 0 : 1);
  const sorted = [...active].sort((a, b) => mine(a) - mine(b) || KIND_RANK[a.kind] - KIND_RANK[b.kind] || pos(a) - pos(b));
  const pick = sorted[0] as NetworkEntry;
  const why = [pick.kind === 'pxe-ipv4' ? 'PXE over IPv4' : pick.kind === 'network' ? 'a network boot' : `${pick.kind} (no PXE over IPv4 entry)`, ...(mine(pick) === 0 ? [`this machine's NIC ${pick.mac ?? ''}`] : [])].join(', ');
  return { ok: true, pick, why };
}

/** efibootmgr's entries as the picker takes them (ids are the hex numbers --bootnext takes). */
export function efiBootEntries(entries: readonly { num: string; active: boolean; description: string; path: string }[]): BootEntry[] {
  return entries.map((e) => ({ id: e.num, description: e.description, path: e.path, active: e.active }));
}

/** bcdedit's firmware applications (boot managers left out): bcdedit shows no inactive flag. */
export function bcdBootEntries(objects: readonly { identifier: string; description: string | null }[]): BootEntry[] {
  return objects.filter((o) => /^\{[0-9a-f-]{36}\}$/i.test(o.identifier)).map((o) => ({ id: o.identifier, description: o.description ?? '', path: '', active: true }));
}
