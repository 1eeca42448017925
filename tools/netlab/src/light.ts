import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Light mode: one private network namespace holding only `lo`, with multicast routed to it.
 * `unshare -rn` makes it without root where the kernel allows user namespaces. Everything of one
 * light-mode run (DP and agents alike) must live in the process tree this starts, because the
 * namespace dies with its last process.
 */
const SETUP = [
  'ip link set lo up',
  'ip link set lo multicast on',
  'ip route add 224.0.0.0/4 dev lo',
  'exec "$@"',
].join(' && ');

/** The address every light-mode process uses as its multicast interface. */
export const LIGHT_INTERFACE = '127.0.0.1';

export function spawnLight(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('unshare', ['-rn', 'sh', '-c', SETUP, 'sh', cmd, ...args], { stdio: 'pipe', ...opts });
}
