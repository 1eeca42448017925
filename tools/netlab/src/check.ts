import { existsSync } from 'node:fs';
import path from 'node:path';
import { Lan } from './lan';
import { collect, waitForLine } from './process';

export interface LanCheckResult {
  readonly sent: number;
  readonly hosts: ReadonlyArray<{ name: string; ip: string; loss: number; unique: number }>;
}

/** The probe script, found from the sources (tests) or from the bundle in dist/ (CLI). */
export function probeScript(): string {
  for (const rel of ['../bin/mcast-probe.cjs', '../../../tools/netlab/bin/mcast-probe.cjs']) {
    const p = path.resolve(__dirname, rel);
    if (existsSync(p)) return p;
  }
  throw new Error('tools/netlab/bin/mcast-probe.cjs not found');
}

/**
 * Builds a LAN, multicasts `count` datagrams from the server host and counts what every client
 * host receives; `lossy` clients drop `loss` of incoming UDP. The LAN is always torn down.
 */
export async function lanCheck(opts: { clients?: number; count?: number; lossy?: number[]; loss?: number } = {}): Promise<LanCheckResult> {
  const clients = opts.clients ?? 3;
  const count = opts.count ?? 2000;
  const loss = opts.loss ?? 0.1;
  const lossy = new Set(opts.lossy ?? [clients]);
  const group = '239.255.77.1';
  const port = 47001;
  const lan = Lan.create({ clients });
  try {
    lan.clients.forEach((h, i) => lan.setLoss(h, lossy.has(i + 1) ? loss : 0));
    const seconds = String(Math.ceil(count / 2000) + 3);
    const receivers = lan.clients.map((h) => lan.spawn(h, process.execPath, [probeScript(), 'recv', group, String(port), h.ip, seconds]));
    await Promise.all(receivers.map((r) => waitForLine(r, /^ready$/, 10_000)));
    const results = receivers.map((r) => collect(r, 30_000));
    const sender = await collect(lan.spawn(lan.server, process.execPath, [probeScript(), 'send', group, String(port), lan.server.ip, String(count), '2000']), 30_000);
    if (sender.code !== 0) throw new Error(`sender failed: ${sender.stderr}`);
    const outs = await Promise.all(results);
    return {
      sent: count,
      hosts: lan.clients.map((h, i) => {
        const line = outs[i]?.stdout.trim().split('\n').pop() ?? '{}';
        const parsed = JSON.parse(line) as { unique?: number };
        return { name: h.name, ip: h.ip, loss: lossy.has(i + 1) ? loss : 0, unique: parsed.unique ?? 0 };
      }),
    };
  } finally {
    lan.destroy();
  }
}
