// The receive path against an insider: an agent of the same session knows the session key, so it
// can MAC any packet. Its kicks and announces must not be obeyed (they lack the DP's signature),
// and chunks it poisons with forged symbols must cost a repair or a unicast fetch, never the deploy.
import { readFileSync } from 'node:fs';
import { EXIT } from '../errors';
import { CHUNK, harness, join, sessionFor, type Harness } from '../testing/deploy-harness';
import { makeImage } from '../testing/image';
import { EngineSender } from '../testing/engine-sender';
import type { Tamper } from '../testing/tamper-socket';
import { corruptBlock, forgeControlAtFirstAnnounce } from '../testing/tampers';

/** The insider's packets are plain MACed ones; 3 s of silence leaves room for the repair rounds. */
const RUN = { silenceTimeout: 3 };

describe('receive path against an insider (fake DP, MemoryNetwork, real codec/engine/writer)', () => {
  // 6 chunks of 4 KiB, chunk 2 all zeros; blocks of 4 x 512 bytes: 2 blocks per chunk.
  const img = makeImage(11, CHUNK, 6, [2], 1000);
  let h: Harness | undefined;
  let sender: EngineSender | undefined;
  afterEach(async () => {
    await sender?.stop();
    await h?.cleanup();
    sender = undefined;
    h = undefined;
  });
  const lines = () => (h?.out ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
  /** The real sender for receiver 5 (the agent's id in these specs), its packets through `tamper`. */
  const start = (session: ReturnType<typeof sessionFor>, tamper: Tamper) =>
    new EngineSender({ net: (h as Harness).net, clock: (h as Harness).time, session, image: img.bytes, manifest: img.manifest, receivers: [5], tamper }).start();
  /** The fake DP's join reply, registering the agent in the running session as the DP's runner does. */
  const rejoin = (session: ReturnType<typeof sessionFor>) => {
    sender?.addReceiver(5);
    return join(img, 5, session);
  };
  /** Notes go to stderr, one line each. */
  const notes = () => (h?.errs ?? []).join('').split('\n');

  it('drops a kick and a finished announce an insider forged with the session key, and completes (exit 0)', async () => {
    const session = sessionFor(img, { encrypted: false });
    h = await harness(img, () => join(img, 5, session));
    sender = await start(session, forgeControlAtFirstAnnounce(5));
    expect(await h.run(RUN)).toBe(EXIT.ok);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
    expect(h.out.join('\n')).not.toContain('forged by an insider');
    // Both forgeries were counted as bad packets.
    expect(Number(lines().at(-1)?.['badPackets'])).toBeGreaterThanOrEqual(2);
  });

  it('refuses to join a session that comes without the DP signing key (exit 3)', async () => {
    const { signingKey: _dropped, ...unsigned } = sessionFor(img, { encrypted: false });
    h = await harness(img, () => join(img, 5, unsigned));
    expect(await h.run(RUN)).toBe(EXIT.dpUnreachable);
    expect(h.errs.join('') + h.out.join('')).toMatch(/no signing key/);
  });

  it('a chunk whose multicast copies always fail their hash is discarded, then fetched by unicast (exit 0)', async () => {
    const session = sessionFor(img, { encrypted: false });
    h = await harness(img, () => rejoin(session));
    // Block 6 is in chunk 4 (chunk 2 is zeros and has no blocks): every multicast copy of it is forged.
    sender = await start(session, corruptBlock(6));
    expect(await h.run(RUN)).toBe(EXIT.ok);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
    // Only chunk 4 came by unicast, after three multicast copies were thrown away.
    expect(h.dp.ranges.map(([start]) => start / CHUNK)).toEqual([4]);
    expect(notes().filter((n) => /chunk 4 failed its hash/.test(n)).length).toBe(3);
  });

  it('exits 6 when the unicast copy of such a chunk fails its hash too: the image itself is bad', async () => {
    const session = sessionFor(img, { encrypted: false });
    h = await harness(img, () => rejoin(session), { onRange: (s, e) => new Uint8Array(e - s + 1).fill(1) });
    sender = await start(session, corruptBlock(6));
    expect(await h.run(RUN)).toBe(EXIT.verificationFailed);
    expect(h.errs.join('') + h.out.join('')).toMatch(/chunk 4 does not match the manifest, neither by multicast \(3 times\) nor by unicast: the image on the DP is bad/);
  });

  it('an image the DP found broken (409 DP_IMAGE_BROKEN) stops the agent at once with the DP\'s words (exit 7)', async () => {
    const message = 'image img is broken on the DP (chunk 150 no longer matches the manifest): remove it and add it again';
    h = await harness(img, () => ({ status: 409, body: { error: 'DP_IMAGE_BROKEN', message } }));
    expect(await h.run(RUN)).toBe(EXIT.removedByPolicy);
    expect(h.errs.at(-1)).toContain(`says: ${message}`);
    // Asked once: no loop of requests.
    expect(h.dp.requests).toHaveLength(1);
  });
});
