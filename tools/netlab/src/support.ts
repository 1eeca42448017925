import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Support {
  /** `ip netns` works: a full LAN can be built. */
  readonly lan: boolean;
  /** `unshare -rn` works: light mode can run. */
  readonly light: boolean;
  /** Why `lan` is false, in one sentence. */
  readonly why?: string;
}

function ok(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: !r.error && r.status === 0, err: (r.error?.message ?? r.stderr ?? '').trim() };
}

/** Probes what this machine allows, by trying it (a throwaway namespace is added and removed). */
export function probeSupport(): Support {
  const light = ok('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && ip route add 224.0.0.0/4 dev lo']).ok;
  if (process.getuid?.() !== 0) return { lan: false, light, why: 'not running as root, so `ip netns add` is not allowed' };
  for (const tool of ['ip', 'nft', 'tc']) {
    if (!ok('sh', ['-c', `command -v ${tool}`]).ok) return { lan: false, light, why: `\`${tool}\` is not installed (Debian: iproute2, nftables)` };
  }
  const name = `cpl-probe-${randomBytes(3).toString('hex')}`;
  const add = ok('ip', ['netns', 'add', name]);
  if (!add.ok) return { lan: false, light, why: `\`ip netns add\` failed: ${add.err}` };
  ok('ip', ['netns', 'delete', name]);
  return { lan: true, light };
}
