// What the boot service counts (exported as castpoint_dp_boot_* metrics): malformed datagrams by
// decode error code, ignored requests by reason, replies by kind, TFTP outcomes, rival servers.

export type CounterTable = Map<string, number>;

export class BootCounters {
  /** Dropped DHCP datagrams, by netboot error code. */
  readonly dhcpMalformed: CounterTable = new Map();
  /** Well-formed DHCP requests left unanswered, by reason (not-pxe, unsupported-arch, ...). */
  readonly dhcpIgnored: CounterTable = new Map();
  /** Replies sent, by kind (proxy-offer, proxy-ack, lease-offer, lease-ack, nak). */
  readonly dhcpReplies: CounterTable = new Map();
  /** Dropped TFTP datagrams, by netboot error code. */
  readonly tftpMalformed: CounterTable = new Map();
  /** TFTP requests and transfers, by outcome (done, failed, refused, write-refused). */
  readonly tftpTransfers: CounterTable = new Map();
  /** Offers of other servers to PXE clients, by server address. */
  readonly rivalOffers: CounterTable = new Map();
  /** /boot/ipxe scripts served, by outcome (bootenv, exit, menu). */
  readonly scripts: CounterTable = new Map();

  static inc(table: CounterTable, key: string): void {
    table.set(key, (table.get(key) ?? 0) + 1);
  }
}
