import { spawn } from 'node:child_process';
import type { Host, Lan } from '@castpoint/netlab';

/**
 * What a deployment needs of a network: a server host, client hosts and a way to start a
 * process on a host. A netlab Lan is one; `lightFabric` is another, for light mode, where every
 * "host" is the one private namespace this process already runs in (multicast on lo).
 */
export type Fabric = Pick<Lan, 'server' | 'clients' | 'spawn'>;

export function lightFabric(clients: number): Fabric {
  const host = (name: string): Host => ({ name, ns: '', ip: '127.0.0.1', iface: 'eth0' });
  return {
    server: host('server'),
    clients: Array.from({ length: clients }, (_, i) => host(`client${i + 1}`)),
    spawn: (_host, cmd, args, opts = {}) => spawn(cmd, args, { stdio: 'pipe', ...opts }),
  };
}
