// Issue 21.1 in a namespace LAN: a lone agent whose inbound UDP is dropped (a firewall that was not
// opened; an nftables rule in its namespace) used to loop for ever, one new session per silence
// (127 sessions in 11 minutes). Now it downloads by unicast after the first silence, or, for a
// multicast-only image, exits 7 naming the likely causes.
import { rmSync } from 'node:fs';
import { sha256File, stopDp } from '@castpoint/bench';
import { collect, describeLan, Lan, type Host } from '@castpoint/netlab';
import { agentOn, dpGet, requireBuilt, lanWithImage, type Ctx } from './e2e-helpers';


function setUp(imageFlags: string[]): Promise<Ctx> {
  return lanWithImage({ clients: 1, sizeMiB: 8, seed: 5, full: false, maxRate: '200mbit', imageFlags });
}

/** Every inbound UDP datagram of `host` dropped (HTTP, over TCP, still goes through). */
async function blockInboundUdp(lan: Lan, host: Host): Promise<void> {
  const rules = ['table inet cpblock {', '  chain in {', '    type filter hook prerouting priority -450; policy accept;', '    meta l4proto udp counter drop', '  }', '}', ''].join('\n');
  const p = lan.spawn(host, 'nft', ['-f', '-']);
  p.stdin?.end(rules);
  const r = await collect(p, 10_000);
  if (r.code !== 0) throw new Error(`nft failed: ${r.stderr}`);
}

describeLan('an agent whose inbound multicast is blocked', () => {
  requireBuilt();
  let c: Ctx | undefined;
  afterEach(async () => {
    if (!c) return;
    await Promise.race([stopDp(c.dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    c.lan.destroy();
    rmSync(c.work, { recursive: true, force: true });
    c = undefined;
  });

  const client = (ctx: Ctx): Host => {
    const h = ctx.lan.clients[0];
    if (!h) throw new Error('the LAN has no client');
    return h;
  };

  it('downloads by unicast after the first silence and finishes, in at most two sessions', async () => {
    c = await setUp([]);
    const host = client(c);
    await blockInboundUdp(c.lan, host);
    const agent = agentOn(c.lan, host, c.dp, c.work, 'img', ['--silence-timeout', '2']);
    const end = await agent.ended;
    expect({ code: end.code, stderr: end.stderr.slice(-1500) }).toMatchObject({ code: 0 });
    expect(await sha256File(agent.target)).toBe(c.img.sha256);
    expect(end.stderr).toMatch(/multicast delivered nothing for \d+ s while the DP answered; downloading the missing chunks by unicast/);
    const sessions = await dpGet<unknown[]>(c.lan, c.dp, '/api/v1/sessions');
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    expect(sessions.length).toBeLessThanOrEqual(2);
  }, 120_000);

  it('a multicast-only image: exit 7 naming firewall, IGMP snooping and the interface, no loop', async () => {
    c = await setUp(['--multicast-only']);
    const host = client(c);
    await blockInboundUdp(c.lan, host);
    const agent = agentOn(c.lan, host, c.dp, c.work, 'img', ['--silence-timeout', '2']);
    const end = await agent.ended;
    expect(end.code).toBe(7);
    expect(end.stderr).toMatch(new RegExp(`listening on \\S+ ${host.ip.replace(/\./g, '\\.')}\\); likely causes: a firewall dropping inbound UDP, IGMP snooping .*wrong interface .*multicast-only\\. \\(exit 7, removed-by-policy\\)`));
    const sessions = await dpGet<unknown[]>(c.lan, c.dp, '/api/v1/sessions');
    expect(sessions.length).toBeLessThanOrEqual(2);
  }, 120_000);
});
