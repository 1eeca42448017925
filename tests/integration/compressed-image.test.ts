// Issue 26 (compression): an image added with `--compress` is sent as its zstd chunk pack. Two
// agents get it by multicast (no fallback allowed) in one session whose bytes on the wire are far
// below the raw size; a third, whose inbound UDP is dropped, gets the pack by the unicast fallback.
// Every agent decodes each chunk, checks its raw SHA-256, and ends with the verified image.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dpCli, placeImage, startDp, stopDp, type RunningDp } from '@castpoint/bench';
import { collect, describeLan, Lan, type Host } from '@castpoint/netlab';
import type { Manifest } from '@castpoint/wire';
import { agentOn, dpGet, expectVerified, requireBuilt, workDir, type Ctx } from './e2e-helpers';

const MiB = 1024 * 1024;

/**
 * `mib` MiB of syslog-like text from a seeded generator: varied (times, hosts, pids, counters,
 * words) as real logs are, so zstd level 3 shrinks it about 4-6x and certainly below 0.4x.
 */
function logText(mib: number, seed: number): Buffer {
  let x = seed >>> 0;
  const next = (n: number): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const words = ['Started', 'Stopped', 'session', 'user', 'admin', 'network', 'eth0', 'link', 'up', 'down', 'DHCPACK', 'renewal', 'cron', 'job', 'finished', 'disk', 'sda1', 'mounted', 'kernel:', 'audit:'];
  const services = ['systemd[1]', 'sshd', 'CRON', 'NetworkManager', 'kernel', 'dhclient', 'rsyslogd'];
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < mib * MiB; i++) {
    const msg = Array.from({ length: 3 + next(8) }, () => words[next(words.length)]).join(' ');
    const line = `Dec  6 ${String(next(24)).padStart(2, '0')}:${String(next(60)).padStart(2, '0')}:${String(next(60)).padStart(2, '0')} ref${next(4)} ${services[next(services.length)]}[${1000 + next(30000)}]: ${msg} id=${i}\n`;
    lines.push(line);
    bytes += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, mib * MiB);
}

/** Every inbound UDP datagram of `host` dropped: multicast never arrives, HTTP still does. */
async function blockInboundUdp(lan: Lan, host: Host): Promise<void> {
  const rules = ['table inet cpblock {', '  chain in {', '    type filter hook prerouting priority -450; policy accept;', '    meta l4proto udp counter drop', '  }', '}', ''].join('\n');
  const p = lan.spawn(host, 'nft', ['-f', '-']);
  p.stdin?.end(rules);
  const r = await collect(p, 10_000);
  if (r.code !== 0) throw new Error(`nft failed: ${r.stderr}`);
}

describeLan('a compressed image', () => {
  requireBuilt();
  let lan: Lan | undefined;
  let dp: RunningDp | undefined;
  let work: string | undefined;
  afterEach(async () => {
    if (dp) await Promise.race([stopDp(dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    lan?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
    lan = dp = work = undefined;
  });

  it('goes compressed by multicast to two agents and by unicast to a third, all verified', async () => {
    work = workDir();
    lan = Lan.create({ clients: 3 });
    const l = lan;
    // 20 MiB of log text, 4 MiB of zeros (never sent), 4 MiB more text.
    const bytes = Buffer.concat([logText(20, 7), Buffer.alloc(4 * MiB), logText(4, 8)]);
    const rawSent = 24 * MiB;
    const file = path.join(work, 'image.img');
    writeFileSync(file, bytes);
    const dataDir = path.join(work, 'dp');
    dp = await startDp(l, l.server, { dataDir, maxRate: '200mbit', readyTimeoutMs: 90_000 });
    const d = dp;
    // Scheduled for two: both multicast agents are in the one session whose bytes are counted.
    const add = await dpCli(l, d, ['image', 'add', 'img', placeImage(dataDir, file), '--compress', '--compress-level', '3', '--mode', 'scheduled', '--min-clients', '2', '--max-wait', '120', '--json']);
    expect(add.code).toBe(0);
    const hash = (JSON.parse(add.stdout) as { manifestHash: string }).manifestHash;
    const m = JSON.parse(readFileSync(path.join(dataDir, 'manifests', `${hash}.json`), 'utf8')) as Manifest;
    expect(m.compression).toMatchObject({ codec: 'zstd', level: 3 });
    const packBytes = (m.compression?.sizes ?? []).reduce((a, b) => a + b, 0);
    expect(statSync(path.join(dataDir, 'packs', `${hash}.zst`)).size).toBe(packBytes);
    expect(packBytes).toBeLessThan(0.4 * rawSent);

    const c = { img: { sha256: createHash('sha256').update(bytes).digest('hex') } } as unknown as Ctx;
    const [h1, h2, h3] = l.clients as [Host, Host, Host];
    const multicast = [h1, h2].map((h) => agentOn(l, h, d, work as string, 'img', ['--no-fallback']));
    const outs = await expectVerified(c, multicast, 120_000);
    for (const o of outs) {
      expect(o).not.toMatch(/by unicast/);
      expect(o).toMatch(/decompressed \d+ chunks in \d+\.\d\d s/);
    }
    const sessions = await dpGet<Array<{ image: string; receivers: number[]; bytesSent: number }>>(l, d, '/api/v1/sessions');
    expect(sessions).toHaveLength(1);
    const s = sessions[0];
    expect(s?.receivers).toHaveLength(2);
    // The frames went on the wire, not the raw chunks: at least the pack, and well below raw.
    expect(s?.bytesSent).toBeGreaterThanOrEqual(packBytes);
    expect(s?.bytesSent).toBeLessThan(0.6 * rawSent);

    // Alone, the third agent needs a session that starts without a second client.
    expect((await dpCli(l, d, ['image', 'set', 'img', '--mode', 'autocast'])).code).toBe(0);
    await blockInboundUdp(l, h3);
    const unicast = agentOn(l, h3, d, work, 'img', ['--silence-timeout', '2']);
    const [out] = await expectVerified(c, [unicast], 120_000);
    expect(out).toMatch(/downloading the missing chunks by unicast/);
    expect(out).toMatch(/decompressed \d+ chunks in \d+\.\d\d s/);
  }, 240_000);
});
