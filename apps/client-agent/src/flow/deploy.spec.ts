// The deploy flow end to end in one process (testing/deploy-harness: a fake DP over HTTP on
// 127.0.0.1, the real wire codec, repair receiver engine and chunking writer, MemoryNetwork).
// Plain multicast (a whole image, NACK and parity repair) is asserted against the real DP in
// tests/fullstack; these cover what tampering of the real sender's packets stages (testing/
// engine-sender.ts, tampers.ts): corrupt copies, kicks after a partial pass, silence.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KickReason } from '@castpoint/wire';
import { realClock } from '../dp/patience';
import { EXIT, type ExitCode } from '../errors';
import { FakeClock } from '../testing/fake-clock';
import { AGENT_MAC, CHUNK, chunksOfRanges, ctrlCAtChunk, fallbackReply, harness, join, sessionFor, type Harness } from '../testing/deploy-harness';
import { makeImage } from '../testing/image';
import { EngineSender } from '../testing/engine-sender';
import type { Tamper } from '../testing/tamper-socket';
import { afterFirstPass, corruptBlock, dropBlocksFrom } from '../testing/tampers';
import { fileMemory } from './agent-state';

describe('deploy flow (fake DP, MemoryNetwork, real codec/engine/writer)', () => {
  const img = makeImage(11, CHUNK, 6, [2], 1000);
  let h: Harness | undefined;
  let sender: EngineSender | undefined;
  /** The real sender for receiver 5 (the agent's id here), its packets through `tamper`; the first pass waits for the agent. */
  const start = (session: ReturnType<typeof sessionFor>, tamper: Tamper) =>
    new EngineSender({ net: (h as Harness).net, clock: (h as Harness).time, session, image: img.bytes, manifest: img.manifest, receivers: [5], holdForJoiners: 1, tamper }).start();
  afterEach(async () => {
    await sender?.stop();
    await h?.cleanup();
    sender = undefined;
    h = undefined;
  });

  it('a chunk that fails its hash is asked for again by multicast, not written', async () => {
    // Each join registers the agent in the running session, as the DP's does: the agent reports
    // every block before chunk 0's hash check fails, the engine ends the session, the agent asks again.
    h = await harness(img, () => {
      sender?.addReceiver(5);
      return join(img, 5);
    });
    // The first copy of block 1 (its k = 4 symbols) arrives corrupt: chunk 0 fails its hash.
    sender = await start(sessionFor(img), corruptBlock(1, 4));
    expect(await h.run({ silenceTimeout: 3 })).toBe(EXIT.ok);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
    // Block 1 (chunk 0) went out twice: the corrupt copy, then the repair the agent asked for.
    expect(sender.sentData.filter((d) => d.block === 1).length).toBeGreaterThanOrEqual(2 * 4);
    expect(h.errs.join('')).toMatch(/chunk 0 failed its hash \(multicast copy 1 of 3\)/);
    expect(h.dp.ranges).toEqual([]);
  });

  it.each<[KickReason, boolean, ExitCode]>([
    ['fallback', true, EXIT.ok],
    ['policy', true, EXIT.ok],
    ['policy', false, EXIT.removedByPolicy],
    ['fail', true, EXIT.removedByPolicy],
  ])('kick %s with fallbackAllowed=%s -> exit %d; unicast fetches only the missing chunks', async (reason, fallbackAllowed, exit) => {
    const session = sessionFor(img, { fallbackAllowed });
    h = await harness(img, () => join(img, 5, session));
    // 4 blocks of 2 KiB = chunks 0 and 1 by multicast; chunk 2 is zero; 3, 4, 5 must come by unicast.
    // The group delivers blocks 0-3 only; after the first pass the DP kicks the agent (signed).
    const kick = (): void => sender?.kick(reason, 'test kick');
    sender = await start(session, afterFirstPass(kick, dropBlocksFrom(4)));
    expect(await h.run()).toBe(exit);
    if (exit === EXIT.ok) {
      expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
      expect(chunksOfRanges(h.dp.ranges)).toEqual([3, 4, 5]);
      expect(h.errs.join('')).toContain('downloading the missing chunks by unicast');
    } else {
      expect(h.dp.ranges).toEqual([]);
      expect(h.errs[h.errs.length - 1]).toMatch(new RegExp(`^castpoint-agent: .*\\(exit ${exit}, (removed-by-policy|session-failed)\\)\\n$`));
    }
  });

  it('falls back to unicast after multicast silence when the DP names the same session again', async () => {
    const session = sessionFor(img);
    h = await harness(img, () => join(img, h?.dp.requests.length ?? 0, session));
    // No sender at all: the group stays silent.
    expect(await h.run()).toBe(EXIT.ok);
    expect(h.dp.requests).toHaveLength(2);
    // Every request names the machine's MACs, so the DP's client list shows which machine asks.
    expect(h.dp.requests[0]).toMatchObject({ macs: [AGENT_MAC] });
    // The second registration names the first id, so the DP keeps one record for this machine.
    expect(h.dp.requests[1]).toMatchObject({ previousReceiverId: 1, macs: [AGENT_MAC] });
    expect(chunksOfRanges(h.dp.ranges)).toEqual([0, 1, 3, 4, 5]);
    expect(h.errs.join('')).toMatch(/multicast delivered nothing for \d s/);
  });

  it('keeps listening instead of falling back with --no-fallback, and fails on a fallback reply', async () => {
    h = await harness(img, () => ({ status: 200, body: { status: 'fallback', receiverId: 3, reason: 'client limit', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } }));
    expect(await h.run({ noFallback: true })).toBe(EXIT.removedByPolicy);
    expect(h.errs.join('')).toMatch(/--no-fallback forbids unicast fallback \(client limit\)\. \(exit 7, removed-by-policy\)/);
  });

  it('a fallback reply downloads everything by unicast', async () => {
    h = await harness(img, () => ({ status: 200, body: { status: 'fallback', receiverId: 3, reason: 'client limit', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } }));
    expect(await h.run()).toBe(EXIT.ok);
    expect(chunksOfRanges(h.dp.ranges)).toEqual([0, 1, 3, 4, 5]);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
  });

  it('resumes from the journal: a second run fetches only chunks not journaled', async () => {
    const fallback = { status: 200, body: { status: 'fallback', receiverId: 3, reason: 'test', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } };
    let failAt = 3 * CHUNK;
    h = await harness(img, () => fallback, {
      onRange: (start: number) => (start === failAt ? { status: 500, body: { error: 'disk error on the DP' } } : undefined),
    });
    expect(await h.run()).toBe(EXIT.dpUnreachable);
    const firstRanges = chunksOfRanges(h.dp.ranges);
    h.dp.ranges.length = 0;
    failAt = -1;
    expect(await h.run()).toBe(EXIT.ok);
    const again = chunksOfRanges(h.dp.ranges);
    // Chunks written and journaled by the first run are not fetched again.
    const journaled = [0, 1, 4, 5].filter((c) => firstRanges.includes(c) && !again.includes(c));
    expect(again).toContain(3);
    expect(again.length + journaled.length).toBe(5);
    expect(journaled.length).toBeGreaterThan(0);
    // The first run went to unicast: the next registers afresh, so the DP carries no "kicked to
    // unicast earlier" into it (issue 22.7).
    expect(h.dp.requests[1]).not.toHaveProperty('previousReceiverId');
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
  });

  it('stopped by a signal mid-transfer: exit 130, the DP told, what was written journaled', async () => {
    const big = makeImage(13, CHUNK, 24, [2], 1000);
    const { stop, onRange } = ctrlCAtChunk(12); // Ctrl-C while chunk 12 is on its way
    h = await harness(big, () => fallbackReply(big), { onRange });
    expect(await h.run({}, realClock, stop)).toBe(EXIT.interrupted);
    expect(h.errs.at(-1)).toMatch(/Stopped by Ctrl-C\. \(exit 130, interrupted\)/);
    expect(h.dp.progress.at(-1)).toMatchObject({ state: 'failed', message: 'Stopped by Ctrl-C' });
    h.dp.ranges.length = 0;
    // Run again: what was written before the stop is not fetched again (it was journaled on the way
    // out, not left to the every-32-chunks commit). Four downloads run at once, so when chunk 12
    // was asked for, 9-11 may still have been on their way; 0-8 were written.
    expect(await h.run()).toBe(EXIT.ok);
    const again = chunksOfRanges(h.dp.ranges);
    expect(again.filter((c) => c <= 8)).toEqual([]);
    expect(again).toContain(12);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(big.bytes))).toBe(0);
  });

  it('a chunk changed on the target after it was journaled is found by the read-back and fetched again', async () => {
    const big = makeImage(12, CHUNK, 24, [2], 1000);
    const fallback = { status: 200, body: { status: 'fallback', receiverId: 3, reason: 'test', manifest: big.manifest, contentPath: '/api/v1/agent/content/img' } };
    h = await harness(big, () => fallback);
    expect(await h.run()).toBe(EXIT.ok);
    // Another program changes chunk 1 (not among the chunks spot-checked when the journal is opened).
    const bytes = readFileSync(h.target);
    bytes[CHUNK + 10] = (bytes[CHUNK + 10] ?? 0) ^ 0xff;
    writeFileSync(h.target, bytes);
    h.dp.ranges.length = 0;
    // The same command again: its journal says done, the read-back says chunk 1 is not; it is fetched
    // again in the same run (until 2026-11-24: exit 6 on this and every later run).
    expect(await h.run()).toBe(EXIT.ok);
    expect(chunksOfRanges(h.dp.ranges)).toEqual([1]);
    expect(h.errs.join('')).toMatch(/differs from the manifest in chunk 1 \(changed since they were written\); fetching them again/);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(big.bytes))).toBe(0);
  });
});

describe('deploy flow: failures map to exit codes', () => {
  const img = makeImage(12, CHUNK, 3);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('image unknown -> 4', async () => {
    h = await harness(img, () => ({ status: 404, body: { error: 'no such image' } }));
    expect(await h.run()).toBe(EXIT.imageUnknown);
    expect(h.errs[h.errs.length - 1]).toMatch(/does not know the image "img"\. \(exit 4, image-unknown\)/);
  });

  it('the session it waited for cancelled by the DP\'s administrator -> 7, at once', async () => {
    h = await harness(img, () => ({ status: 410, body: { error: 'DP_SESSION_CANCELLED', message: 'the administrator cancelled the session for image img that this agent was waiting for' } }));
    expect(await h.run()).toBe(EXIT.removedByPolicy);
    expect(h.errs.at(-1)).toMatch(/says: the administrator cancelled the session for image img that this agent was waiting for\. \(exit 7, session-failed\)/);
    expect(h.dp.requests).toHaveLength(1);
  });

  it('bad token -> 3', async () => {
    h = await harness(img, () => ({ status: 401, body: { error: 'bad token' } }));
    expect(await h.run()).toBe(EXIT.dpUnreachable);
  });

  it('DP not there -> 3 after the patience, on a fake clock', async () => {
    h = await harness(img, () => join(img, 1));
    await h.dp.stop();
    const clock = new FakeClock(1_000_000);
    expect(await h.run({ dpPatience: 20 }, clock)).toBe(EXIT.dpUnreachable);
    expect(clock.sleeps.length).toBeGreaterThan(2);
    expect(h.errs[h.errs.length - 1]).toMatch(/did not come back within 20 s\. \(exit 3, dp-unreachable\)/);
  });

  it('target in a missing folder -> 5, nothing written, the DP never asked', async () => {
    h = await harness(img, () => join(img, 1));
    expect(await h.run({ target: path.join(h.dir, 'nope', 'disk.img'), stateDir: path.join(h.dir, 'state') })).toBe(EXIT.targetRefused);
    expect(h.errs[h.errs.length - 1]).toMatch(/\(exit 5, target-refused\)\n$/);
    expect(h.dp.requests).toHaveLength(0);
  });

  it('target in a missing folder with the default state dir -> 5, the folder is not created', async () => {
    // The default state dir sits beside the target: creating it used to create the missing folder,
    // and the image landed wherever that path led (an unmounted stick: the RAM disk).
    h = await harness(img, () => join(img, 1));
    const folder = path.join(h.dir, 'stick');
    expect(await h.run({ target: path.join(folder, 'disk.img') })).toBe(EXIT.targetRefused);
    expect(h.errs[h.errs.length - 1]).toMatch(/folder .*stick does not exist\. \(exit 5, target-refused\)\n$/);
    expect(existsSync(folder)).toBe(false);
    expect(h.dp.requests).toHaveLength(0);
  });

  it('a directory as target -> 5 before the DP is asked', async () => {
    h = await harness(img, () => join(img, 1));
    expect(await h.run({ target: h.dir, stateDir: path.join(h.dir, 'state') })).toBe(EXIT.targetRefused);
    expect(h.errs[h.errs.length - 1]).toMatch(/is a directory/);
    expect(h.dp.requests).toHaveLength(0);
  });

  it('an --interface this machine does not have -> 2 before the DP is asked or the target touched', async () => {
    h = await harness(img, () => join(img, 1));
    const before = Buffer.alloc(5000, 0x42);
    writeFileSync(h.target, before);
    expect(await h.run({ interface: '10.9.9.9' })).toBe(EXIT.usage);
    expect(h.errs[h.errs.length - 1]).toMatch(/--interface 10\.9\.9\.9 is neither an interface nor an IPv4 address of this machine; it has eth0 \(10\.0\.0\.2\)\. \(exit 2, no-interface\)/);
    expect(readFileSync(h.target).equals(before)).toBe(true);
    expect(h.dp.requests).toHaveLength(0);
  });

  it('another agent deploying to the same target (its state dir locked) -> 5 before the DP is asked', async () => {
    h = await harness(img, () => join(img, 1));
    const stateDir = path.join(h.dir, 'state');
    const release = await fileMemory(stateDir).lock(); // held by a live process: this one
    try {
      expect(await h.run({ stateDir })).toBe(EXIT.targetRefused);
      expect(h.errs.at(-1)).toMatch(/Another castpoint-agent \(pid \d+\) is deploying with the state directory .*\(exit 5, target-refused\)/);
      expect(h.dp.requests).toHaveLength(0);
      expect(existsSync(h.target)).toBe(false);
    } finally {
      await release();
    }
  });

  it('two agents on one target file with different state dirs: the second is refused (5), the first unharmed', async () => {
    // Issue 22.6: both used to exit 0 with one image in the file. Agent A waits at the DP (its locks
    // held) until agent B has been refused; then A completes.
    const fallback = { status: 200, body: { status: 'fallback', receiverId: 3, reason: 'test', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } };
    let bRefused = false;
    h = await harness(img, () => (bRefused ? fallback : { status: 200, body: { status: 'wait', retryAfterMs: 200, reason: 'waiting for agent B' } }));
    const a = h.run({ stateDir: path.join(h.dir, 'state-a') });
    while (h.dp.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const asked = h.dp.requests.length;
    const b = await h.run({ stateDir: path.join(h.dir, 'state-b') });
    const bSaid = h.errs.at(-1);
    const bAsked = h.dp.requests.length > asked + 1; // A asks every 200 ms; B would add its own
    bRefused = true;
    expect(b).toBe(EXIT.targetRefused);
    expect(bSaid).toMatch(/Another castpoint-agent \(pid \d+\) is writing to .*disk\.img: two agents on one target .*delete .*\.disk\.img\.castpoint-lock\)\. \(exit 5, target-refused\)/);
    expect(bAsked).toBe(false);
    expect(await a).toBe(EXIT.ok);
    expect(Buffer.compare(readFileSync(h.target), Buffer.from(img.bytes))).toBe(0);
    // Released at the end: a third agent may now write to it.
    expect(existsSync(path.join(h.dir, '.disk.img.castpoint-lock'))).toBe(false);
    expect(await h.run({ stateDir: path.join(h.dir, 'state-b') })).toBe(EXIT.ok);
  });

  it('a manifest that does not verify -> 6', async () => {
    const bad = { ...img.manifest, chunks: img.manifest.chunks.slice(1) };
    h = await harness(img, () => ({ status: 200, body: { status: 'join', receiverId: 1, session: sessionFor(img), manifest: bad } }));
    expect(await h.run()).toBe(EXIT.verificationFailed);
    // The DP hears how it ended although no target was opened (it used to hear nothing).
    expect(h.dp.progress.at(-1)).toMatchObject({ receiverId: 1, state: 'failed', totalChunks: 0, message: expect.stringMatching(/manifest/i) });
  });

  it('returns only after its own writes: agent.json saved although the manifest failed beside it', async () => {
    // The receiver id is saved while the target is opened; a manifest that does not verify fails
    // the open first. The flow returned before the save had finished, and a test's cleanup then
    // failed with ENOTEMPTY removing the state dir (issue 21.4). A slow save makes the race certain.
    const bad = { ...img.manifest, chunks: img.manifest.chunks.slice(1) };
    h = await harness(img, () => ({ status: 200, body: { status: 'join', receiverId: 1, session: sessionFor(img), manifest: bad } }));
    let saved = false;
    h.wrapMemory = (m) => ({
      ...m,
      save: async (v) => {
        await new Promise((r) => setTimeout(r, 100));
        await m.save(v);
        saved = true;
      },
    });
    expect(await h.run()).toBe(EXIT.verificationFailed);
    expect(saved).toBe(true);
  });

  it('corrupt unicast data twice -> 6', async () => {
    h = await harness(
      img,
      () => ({ status: 200, body: { status: 'fallback', receiverId: 3, reason: 'test', manifest: img.manifest, contentPath: '/api/v1/agent/content/img' } }),
      { onRange: (s: number, e: number) => new Uint8Array(e - s + 1) },
    );
    expect(await h.run()).toBe(EXIT.verificationFailed);
  });
});
