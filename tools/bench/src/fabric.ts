import { spawn } from 'node:child_process';
import { onInterrupt, type Host, type Lan } from '@castpoint/netlab';

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
    spawn: (_host, cmd, args, opts = {}) => {
      const child = spawn(cmd, args, { stdio: 'pipe', ...opts });
      // No LAN to tear down here: an interrupted light run kills what it started itself.
      const forget = onInterrupt(() => child.kill('SIGKILL'));
      child.once('exit', () => void forget());
      return child;
    },
  };
}
