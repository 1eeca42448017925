// netlab command line: `check` proves a private LAN carries multicast; `clean` removes lab
// namespaces left by crashed runs (`--all`: every lab namespace, even of live runs).
import { lanCheck } from './check';
import { removeStaleNamespaces } from './lan';
import { probeSupport } from './support';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'clean') {
    const removed = removeStaleNamespaces(rest.includes('--all'));
    console.log(removed.length ? `removed ${removed.join(' ')}` : 'nothing to remove');
    return 0;
  }
  if (cmd === 'check') {
    const s = probeSupport();
    if (!s.lan) {
      console.error(`cannot build a namespace LAN here: ${s.why ?? 'unknown'}`);
      return 1;
    }
    const r = await lanCheck({ clients: 3, count: 4000, lossy: [3], loss: 0.1 });
    console.log('host       ip           set loss  received  of sent');
    for (const h of r.hosts) {
      console.log(`${h.name.padEnd(10)} ${h.ip.padEnd(12)} ${`${(h.loss * 100).toFixed(0)}%`.padStart(8)}  ${String(h.unique).padStart(8)}  ${((h.unique / r.sent) * 100).toFixed(1)}%`);
    }
    const ok = r.hosts.every((h) => (h.loss === 0 ? h.unique >= r.sent * 0.99 : h.unique < r.sent * (1 - h.loss / 2)));
    console.log(ok ? 'LAN check passed: multicast reaches every client; the lossy host receives fewer.' : 'LAN check FAILED');
    console.log(JSON.stringify({ sent: r.sent, hosts: r.hosts, ok }));
    return ok ? 0 : 1;
  }
  console.error('usage: netlab check | netlab clean [--all]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
