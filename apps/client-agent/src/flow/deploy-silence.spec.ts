// Multicast silence and fallback across runs, end to end in one process (testing/deploy-harness):
// whose fault a silence is (issues 21.1 and 22.7), and that a fallback is not carried to the next run.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SessionInfo } from '@castpoint/wire';
import { EXIT } from '../errors';
import { AGENT_MAC, CHUNK, chunksOfRanges, harness, join, sessionFor, type Harness } from '../testing/deploy-harness';
import { makeImage } from '../testing/image';
import { EngineSender } from '../testing/engine-sender';

describe('deploy flow: multicast silence and fallback', () => {
  const img = makeImage(11, CHUNK, 6, [2], 1000);
  let h: Harness | undefined;
  let sender: EngineSender | undefined;
  afterEach(async () => {
    await sender?.stop();
    await h?.cleanup();
    sender = undefined;
    h = undefined;
  });

  it('a lone agent whose multicast is blocked falls back to unicast although each session has a new id', async () => {
    // The DP ends a lone agent's session when it leaves on silence; the next request opens another
    // session. Waiting for the same id again looped for ever (issue 21.1: 127 sessions in 11 min).
    h = await harness(img, (n) => (n > 6 ? { status: 404, body: { error: 'stop: the agent loops' } } : join(img, n, sessionFor(img, { id: 100 + n }))));
    // No sender at all: the group stays silent.
    expect(await h.run()).toBe(EXIT.ok);
    expect(h.dp.requests).toHaveLength(2);
    expect(chunksOfRanges(h.dp.ranges)).toEqual([0, 1, 3, 4, 5]);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
    expect(h.errs.join('')).toMatch(/multicast delivered nothing for \d s while the DP answered; downloading the missing chunks by unicast/);
  });

  it('a lone agent whose multicast is blocked, multicast-only image -> 7 naming the likely causes, no loop', async () => {
    const only = (n: number): SessionInfo => sessionFor(img, { id: 100 + n, fallbackAllowed: false });
    h = await harness(img, (n) => (n > 6 ? { status: 404, body: { error: 'stop: the agent loops' } } : join(img, n, only(n))));
    expect(await h.run()).toBe(EXIT.removedByPolicy);
    expect(h.dp.requests).toHaveLength(2);
    expect(h.dp.ranges).toEqual([]);
    expect(h.errs.at(-1)).toMatch(
      /Multicast delivered nothing for \d s while the DP answered: the group does not reach this client \(listening on eth0 10\.0\.0\.2\); likely causes: a firewall dropping inbound UDP, IGMP snooping .*wrong interface .* multicast-only\. \(exit 7, removed-by-policy\)/,
    );
  });

  it('multicast silent while the DP was down: joins the resumed session again by multicast, no unicast', async () => {
    // Issue 22.7: the DP killed and back after longer than the silence timeout resumes its session
    // (same id); the agents used to take the silence for a multicast failure and fall back.
    const session = sessionFor(img);
    // It comes back, its sender with it, once the agent has asked it again in vain (told by the
    // fake DP as it cuts the request off): no timing guess decides which case the agent sees.
    let back: Promise<void> | undefined;
    const comeBack = async (): Promise<void> => {
      const { net, time } = h as Harness;
      sender = await new EngineSender({ net, clock: time, session, image: img.bytes, manifest: img.manifest }).start();
      (h as Harness).dp.down = false;
    };
    // The DP goes down right after its first answer, before any multicast reaches the agent.
    h = await harness(
      img,
      (n) => {
        if (n === 1) setImmediate(() => h && (h.dp.down = true));
        // The resumed session's runner registers the agent's new id, as the DP's does.
        sender?.addReceiver(n);
        return join(img, n, session);
      },
      {
        onCutOff: (url) => {
          if (url.endsWith('/request')) back ??= comeBack();
        },
      },
    );
    expect(await h.run({ dpPatience: 20 })).toBe(EXIT.ok);
    await back;
    expect(h.dp.ranges).toEqual([]);
    expect(h.dp.requests).toHaveLength(2);
    expect(h.errs.join('')).toMatch(/while the DP did not answer \(restarting\?\); joining its session again by multicast/);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
  });

  it('a fallback is not carried to the next run: that run registers as a new client and can multicast', async () => {
    // Run 1 is sent to unicast and completes; run 2 (another deploy from the same state dir) must
    // not name run 1's receiver id, which the DP holds as "went to unicast".
    const session = sessionFor(img);
    h = await harness(img, (n) =>
      n === 1 ? { status: 200, body: { status: 'fallback', receiverId: 3, reason: 'client limit', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } } : join(img, 4, session),
    );
    expect(await h.run()).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(path.join(h.dir, '.castpoint-disk.img.state', 'agent.json'), 'utf8'))).not.toHaveProperty('receiverId');
    rmSync(h.target); // a new deployment to the same path (its journal is then dropped)
    sender = await new EngineSender({ net: h.net, clock: h.time, session, image: img.bytes, manifest: img.manifest, receivers: [4] }).start();
    h.dp.ranges.length = 0;
    expect(await h.run()).toBe(EXIT.ok);
    expect(h.dp.requests[1]).toEqual({ image: 'img', hostname: 'pc-under-test', macs: [AGENT_MAC] });
    expect(h.dp.ranges).toEqual([]);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
  });
});
