// What a failed run leaves beside its target: the default state dir (.castpoint-NAME.state) only
// when a rerun can resume from it; a --state-dir given, anything not the agent's, and another
// agent's dir are never touched.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realClock } from '../dp/patience';
import { EXIT } from '../errors';
import { FakeClock } from '../testing/fake-clock';
import { CHUNK, ctrlCAtChunk, fallbackReply, harness, join, sessionFor, type Harness } from '../testing/deploy-harness';
import { makeImage } from '../testing/image';
import { defaultStateDir } from '../options';
import { fileMemory } from './agent-state';

describe('state dir after a failed run', () => {
  const img = makeImage(11, CHUNK, 6, [2], 1000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });
  const stateDirOf = (x: Harness): string => defaultStateDir(x.target);

  it('DP not there -> 3, and no .castpoint-*.state folder is left beside the target', async () => {
    h = await harness(img, () => join(img, 1));
    await h.dp.stop();
    expect(await h.run({ dpPatience: 5 }, new FakeClock(1_000_000))).toBe(EXIT.dpUnreachable);
    expect(existsSync(stateDirOf(h))).toBe(false);
    expect(readdirSync(h.dir).filter((n) => n.startsWith('.castpoint-'))).toEqual([]);
  });

  it('image unknown -> 4: the folder is gone', async () => {
    h = await harness(img, () => ({ status: 404, body: { error: 'DP_UNKNOWN_IMAGE' } }));
    expect(await h.run()).toBe(EXIT.imageUnknown);
    expect(existsSync(stateDirOf(h))).toBe(false);
  });

  it('a manifest that does not verify -> 6 after the receiver id was saved: agent.json and the folder are gone', async () => {
    const bad = { ...img.manifest, chunks: img.manifest.chunks.slice(1) };
    h = await harness(img, () => ({ status: 200, body: { status: 'join', receiverId: 1, session: sessionFor(img), manifest: bad } }));
    let saved = false;
    h.wrapMemory = (m) => ({ ...m, save: async (v) => ((await m.save(v)), (saved = true), undefined) });
    expect(await h.run()).toBe(EXIT.verificationFailed);
    expect(saved).toBe(true);
    expect(existsSync(stateDirOf(h))).toBe(false);
  });

  it('stopped mid-transfer with chunks written: the folder stays, holding the journal a rerun resumes from', async () => {
    const big = makeImage(13, CHUNK, 24, [2], 1000);
    const { stop, onRange } = ctrlCAtChunk(12);
    h = await harness(big, () => fallbackReply(big), { onRange });
    expect(await h.run({}, realClock, stop)).toBe(EXIT.interrupted);
    expect(readdirSync(stateDirOf(h)).some((n) => n.endsWith('.castpoint-journal'))).toBe(true);
  });

  it('a --state-dir given is left as it is', async () => {
    h = await harness(img, () => ({ status: 404, body: { error: 'DP_UNKNOWN_IMAGE' } }));
    const stateDir = path.join(h.dir, 'usb-state');
    expect(await h.run({ stateDir })).toBe(EXIT.imageUnknown);
    expect(existsSync(stateDir)).toBe(true);
  });

  it('a file that is not the agent\'s keeps the default folder (and the file)', async () => {
    h = await harness(img, () => ({ status: 404, body: { error: 'DP_UNKNOWN_IMAGE' } }));
    mkdirSync(stateDirOf(h));
    writeFileSync(path.join(stateDirOf(h), 'notes.txt'), 'mine');
    expect(await h.run()).toBe(EXIT.imageUnknown);
    expect(readdirSync(stateDirOf(h))).toEqual(['notes.txt']);
  });

  it('another agent holding the default folder: refused (5) and its files untouched', async () => {
    h = await harness(img, () => join(img, 1));
    const release = await fileMemory(stateDirOf(h)).lock();
    try {
      await fileMemory(stateDirOf(h)).save({ server: 'http://other', image: 'img', receiverId: 9 });
      expect(await h.run()).toBe(EXIT.targetRefused);
      expect(readdirSync(stateDirOf(h)).sort()).toEqual(['agent.json', 'agent.lock']);
    } finally {
      await release();
    }
  });
});
