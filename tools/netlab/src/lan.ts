import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { killAndWait } from './kill-wait';
import { listNamespaces, newRunPrefix, ownerPid, processAlive } from './names';
import { run, runIn, tryRun } from './run';

/** LANs created by this process and not yet destroyed (see destroyLiveLans). */
const live = new Set<Lan>();

export interface LanOptions {
  /** Number of client hosts. @default 3 */
  clients?: number;
  /** First three octets of the LAN's /24; each LAN lives behind its own bridge, so runs never clash. @default '10.77.0' */
  subnet?: string;
  /** Kernel socket buffer cap in every host (net.core.rmem_max / wmem_max). @default 33554432 */
  socketBufferMax?: number;
  /** MTU of every host's eth0, its bridge port and the bridge (9000: jumbo frames). @default 1500 */
  mtu?: number;
}

export interface Host {
  /** `server`, `client1`, `client2`, ... */
  readonly name: string;
  /** The network namespace that is this host. */
  readonly ns: string;
  /** The host's IPv4 address on the LAN (its `eth0`). */
  readonly ip: string;
  readonly iface: 'eth0';
}

/**
 * A private LAN: one namespace holding a bridge, and one namespace per host joined to it by a veth
 * pair whose host end is `eth0`. Nothing is created in the machine's own namespace, so no packet
 * of a test can leave the machine. Multicast snooping is off on the bridge, so groups flood to every
 * port the way an unmanaged switch does.
 */
export class Lan {
  readonly server: Host;
  readonly clients: readonly Host[];
  private destroyed = false;

  private constructor(
    readonly prefix: string,
    readonly bridgeNs: string,
    hosts: Host[],
  ) {
    const [server, ...clients] = hosts;
    if (!server) throw new Error('a LAN has a server host');
    this.server = server;
    this.clients = clients;
  }

  get hosts(): readonly Host[] {
    return [this.server, ...this.clients];
  }

  static create(opts: LanOptions = {}): Lan {
    removeStaleNamespaces();
    const clients = opts.clients ?? 3;
    const subnet = opts.subnet ?? '10.77.0';
    const bufMax = opts.socketBufferMax ?? 33_554_432;
    if (!Number.isInteger(clients) || clients < 1 || clients > 200) {
      throw new RangeError(`clients must be an integer from 1 to 200, got ${String(clients)}`);
    }
    const mtu = opts.mtu;
    if (mtu !== undefined) checkMtu(mtu);
    const prefix = newRunPrefix();
    const bridgeNs = `${prefix}-br`;
    const hosts: Host[] = [];
    for (let i = 0; i <= clients; i++) {
      const name = i === 0 ? 'server' : `client${i}`;
      hosts.push({ name, ns: `${prefix}-${name}`, ip: `${subnet}.${i + 1}`, iface: 'eth0' });
    }
    const lan = new Lan(prefix, bridgeNs, hosts);
    live.add(lan);
    try {
      run('ip', ['netns', 'add', bridgeNs]);
      run('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      run('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
      hosts.forEach((h, i) => {
        run('ip', ['netns', 'add', h.ns]);
        const port = `p${i}`;
        // Both ends are created directly in their namespaces: the root namespace never sees them.
        run('ip', ['-n', bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
        run('ip', ['-n', bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
        run('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
        run('ip', ['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'brd', '+', 'dev', 'eth0']);
        // One datagram per packet on the wire, as a real NIC puts them there: a segmented send
        // (UDP_SEGMENT, the DP's batchedSends) would otherwise cross the veth and the bridge as one
        // packet, and a receiver's per-packet loss (setLoss, nftables) would drop 16 datagrams at
        // once, a burst no real link makes (an agent at 20% loss then slowed the others 2-3x).
        run('ip', ['-n', h.ns, 'link', 'set', 'dev', 'eth0', 'gso_max_segs', '1']);
        if (mtu !== undefined) lan.linkMtu(h, i, mtu);
        run('ip', ['-n', h.ns, 'link', 'set', 'eth0', 'up']);
        run('ip', ['-n', h.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
        // A default route inside the host namespace can only lead to the bridge: nothing leaves it.
        run('ip', ['-n', h.ns, 'route', 'add', 'default', 'dev', 'eth0']);
        // Older kernels keep these per namespace; newer ones (6.x here) refuse to set them inside
        // one and use the machine's value (4 MiB here): best effort, never a failure.
        tryRun('ip', ['netns', 'exec', h.ns, 'sysctl', '-w', `net.core.rmem_max=${bufMax}`, `net.core.wmem_max=${bufMax}`]);
      });
    } catch (err) {
      lan.destroy();
      throw err;
    }
    return lan;
  }

  /**
   * Sets the MTU of `host`'s eth0 and of its bridge port (a machine whose NIC is set for jumbo
   * frames, or one that is not, on a jumbo LAN). The bridge forwards a frame only to ports whose
   * MTU takes it, as a switch does: a larger frame to a smaller port is dropped there.
   */
  setMtu(host: Host, mtu: number): void {
    checkMtu(mtu);
    this.linkMtu(host, this.hosts.indexOf(host), mtu);
  }

  private linkMtu(host: Host, index: number, mtu: number): void {
    if (index < 0) throw new Error(`no host ${host.name} in LAN ${this.prefix}`);
    run('ip', ['-n', this.bridgeNs, 'link', 'set', `p${index}`, 'mtu', String(mtu)]);
    run('ip', ['-n', host.ns, 'link', 'set', 'dev', 'eth0', 'mtu', String(mtu)]);
  }

  host(name: string): Host {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name} in LAN ${this.prefix}`);
    return h;
  }

  /**
   * Drops this fraction (0..1) of the UDP frames arriving at `host` (IP fragments each count), at
   * random, with nftables (netem is not available on these kernels). 0 removes the rule.
   */
  setLoss(host: Host, fraction: number): void {
    if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`loss must be in [0, 1), got ${fraction}`);
    tryRun('ip', ['netns', 'exec', host.ns, 'nft', 'delete', 'table', 'inet', 'cplloss']);
    if (fraction === 0) return;
    const perMille = Math.round(fraction * 1000);
    const rules = [
      'table inet cplloss {',
      '  chain in {',
      // prerouting, ahead of IP reassembly (defrag hooks at -400): every frame, fragments
      // included, is dropped on its own, as on a real lossy link. A datagram of n frames is lost
      // when any of them is, so tools that send datagrams larger than the MTU pay for it.
      '    type filter hook prerouting priority -450; policy accept;',
      `    meta l4proto udp numgen random mod 1000 < ${perMille} counter drop`,
      '  }',
      '}',
      '',
    ].join('\n');
    runIn(host.ns, 'nft', ['-f', '-'], rules);
  }

  /** Datagrams the loss rule of `host` has dropped so far. */
  droppedBy(host: Host): number {
    const out = tryRunOut(host.ns, ['nft', 'list', 'table', 'inet', 'cplloss']);
    const m = out ? /counter packets (\d+)/.exec(out) : null;
    return m?.[1] === undefined ? 0 : Number(m[1]);
  }

  /** Shapes what `host` sends to `rate` (tc syntax: 500mbit, 1gbit); undefined removes shaping. */
  setRate(host: Host, rate: string | undefined): void {
    tryRun('ip', ['netns', 'exec', host.ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
    if (rate === undefined) return;
    if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/.test(rate)) throw new RangeError(`bad rate ${rate}`);
    runIn(host.ns, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '50ms']);
  }

  /**
   * Shapes what reaches `host` to `rate` (its switch port's egress toward it, in the bridge's
   * namespace): a slow link in front of one receiver; undefined removes it.
   */
  setReceiveRate(host: Host, rate: string | undefined): void {
    const index = this.hosts.indexOf(host);
    if (index < 0) throw new Error(`no host ${host.name} in LAN ${this.prefix}`);
    tryRun('ip', ['netns', 'exec', this.bridgeNs, 'tc', 'qdisc', 'del', 'dev', `p${index}`, 'root']);
    if (rate === undefined) return;
    if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/.test(rate)) throw new RangeError(`bad rate ${rate}`);
    runIn(this.bridgeNs, 'tc', ['qdisc', 'replace', 'dev', `p${index}`, 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '50ms']);
  }

  /**
   * Adds a tap device `name` to the bridge, created inside the bridge's namespace (never in the
   * machine's own): a qemu VM started in that namespace (spawnInBridge) plugs its NIC into the LAN
   * with `-netdev tap,ifname=NAME,script=no`. Forwarding starts at once (no STP, no forward delay),
   * so a VM's first DHCP request is not lost to a learning port.
   */
  addTap(name: string): string {
    if (this.destroyed) throw new Error(`LAN ${this.prefix} is destroyed`);
    if (!/^[a-z][a-z0-9]{0,14}$/.test(name)) throw new RangeError(`bad tap name ${name}`);
    run('ip', ['-n', this.bridgeNs, 'link', 'set', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    run('ip', ['-n', this.bridgeNs, 'tuntap', 'add', 'dev', name, 'mode', 'tap']);
    run('ip', ['-n', this.bridgeNs, 'link', 'set', name, 'master', 'br0', 'up']);
    return name;
  }

  /** Starts a process inside the bridge's namespace (qemu VMs whose tap devices live there). */
  spawnInBridge(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new Error(`LAN ${this.prefix} is destroyed`);
    return spawn('ip', ['netns', 'exec', this.bridgeNs, cmd, ...args], { stdio: 'pipe', ...opts });
  }

  /** Starts a process inside `host`'s namespace. */
  spawn(host: Host, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new Error(`LAN ${this.prefix} is destroyed`);
    return spawn('ip', ['netns', 'exec', host.ns, cmd, ...args], { stdio: 'pipe', ...opts });
  }

  /**
   * Kills whatever still runs in this LAN's namespaces, then removes them. Idempotent. Deleting a
   * namespace alone would leave its processes running, unreachable, for as long as they wait (an
   * udp-receiver whose sender is gone waits forever).
   */
  destroy(): void {
    this.destroyed = true;
    live.delete(this);
    for (const ns of [...this.hosts.map((h) => h.ns), this.bridgeNs]) deleteNamespace(ns);
  }
}

function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65_535) throw new RangeError(`mtu must be an integer from 576 to 65535, got ${String(mtu)}`);
}

/**
 * Destroys every LAN this process created and has not destroyed yet; for an interrupted run
 * (interrupt.ts), which cannot wait for its own `finally` blocks. Returns how many there were.
 */
export function destroyLiveLans(): number {
  const n = live.size;
  for (const lan of [...live]) lan.destroy();
  return n;
}

/**
 * SIGKILLs the processes in `ns` (`ip netns pids`) and waits until they have exited, then deletes
 * it; true when it is gone.
 */
function deleteNamespace(ns: string): boolean {
  let pids = '';
  try {
    pids = run('ip', ['netns', 'pids', ns]);
  } catch {
    // No such namespace (already gone): nothing to kill.
  }
  killAndWait(pids.split(/\s+/).filter(Boolean).map(Number));
  return tryRun('ip', ['netns', 'delete', ns]);
}

function tryRunOut(ns: string, cmd: string[]): string | undefined {
  try {
    const [c, ...a] = cmd;
    return c === undefined ? undefined : runIn(ns, c, a);
  } catch {
    return undefined;
  }
}

/** Deletes lab namespaces whose owning process is gone, killing what still runs in them. Returns the names removed. */
export function removeStaleNamespaces(all = false): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const pid = ownerPid(ns);
    if (pid === undefined) continue;
    if (!all && processAlive(pid)) continue;
    if (deleteNamespace(ns)) removed.push(ns);
  }
  return removed;
}
