import { isCastpointError, type ControlMessage, type DataMessage, type NackMessage } from '@castpoint/wire';
import { seededRng } from '../rng';
import { ReedSolomon } from '../rs/reed-solomon';
import { uniformLayout } from './layout';
import { BufferPool } from './buffer-pool';
import { FIRST_REPORT_SPREAD_MS, ReceiverEngine, type ReceiverAction, type ReceiverOptions } from './receiver';
import { pkt } from './test-helpers';

const SYMBOL = 8;
const layout = uniformLayout(6 * 4 * SYMBOL, SYMBOL, 4); // 6 blocks of k=4
const rs = new ReedSolomon(SYMBOL);
const source = (block: number, symbol: number): Uint8Array => Uint8Array.from({ length: SYMBOL }, (_, i) => (block * 31 + symbol * 7 + i) & 255);
const blockBytes = (block: number): Uint8Array => Uint8Array.from([0, 1, 2, 3].flatMap((j) => Array.from(source(block, j))));

function receiver(extra: Partial<ReceiverOptions> = {}): ReceiverEngine {
  return new ReceiverEngine({ receiverId: 5, layout, symbolSize: SYMBOL, rng: seededRng(2), interleave: 1, ...extra });
}

let seq = 0n;
function data(block: number, symbol: number): { type: 'packet'; packet: ReturnType<typeof pkt<DataMessage>> } {
  const payload = symbol < 4 ? source(block, symbol) : (rs.encodeParity([0, 1, 2, 3].map((j) => source(block, j)), [symbol])[0] as Uint8Array);
  seq += 1n;
  return { type: 'packet', packet: pkt<DataMessage>({ type: 'data', block, symbol, k: 4, payload }, 0x80000001, seq) };
}

function sends(actions: ReceiverAction[]): ControlMessage[] {
  return actions.flatMap((a) => (a.type === 'send' ? [a.message] : []));
}

function nackUntil(r: ReceiverEngine, from: number, to: number): { at: number; nack: NackMessage } | undefined {
  for (let t = from; t <= to; t++) {
    const nack = sends(r.tick(t)).find((m): m is NackMessage => m.type === 'nack');
    if (nack) return { at: t, nack };
  }
  return undefined;
}

describe('ReceiverEngine', () => {
  it('says hello (its first status report) within FIRST_REPORT_SPREAD_MS of its first tick, before any data', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = new ReceiverEngine({ receiverId: 5, layout, symbolSize: SYMBOL, rng: seededRng(seed), interleave: 1 });
      let at: number | undefined;
      for (let t = 1000; t <= 1000 + FIRST_REPORT_SPREAD_MS && at === undefined; t++) {
        if (sends(r.tick(t)).some((m) => m.type === 'status' && m.state === 'waiting')) at = t;
      }
      expect(at).toBeDefined();
    }
  });

  it('delivers a block from any k symbols, rebuilding lost source symbols from parity', () => {
    const r = receiver();
    expect(r.handle(data(0, 0), 0)).toContainEqual({ type: 'state', state: 'receiving' });
    r.handle(data(0, 2), 0);
    r.handle(data(0, 5), 0);
    const out = r.handle(data(0, 4), 0);
    expect(out).toContainEqual({ type: 'block', block: 0, data: blockBytes(0) });
    expect(r.stats()).toMatchObject({ blocksDone: 1, decoded: 1, bufferedBlocks: 0 });
    expect(r.handle(data(0, 1), 0).filter((a) => a.type === 'block')).toEqual([]); // duplicates are ignored
  });

  it('fills pooled block buffers: a buffer given back full of old bytes delivers the next block exactly', () => {
    const pool = new BufferPool();
    const r = receiver({ pool });
    const blocks = (actions: ReceiverAction[]) => actions.flatMap((a) => (a.type === 'block' ? [a] : []));
    let first: Uint8Array | undefined;
    for (const s of [0, 1, 2, 3]) first = blocks(r.handle(data(0, s), 0))[0]?.data ?? first;
    expect(first).toEqual(blockBytes(0));
    (first as Uint8Array).fill(0xaa);
    pool.give(first as Uint8Array);
    // Block 1 with symbol 2 lost, rebuilt from parity, and symbol 3 arriving short (zero-padded).
    const short = source(1, 3).subarray(0, 5);
    const expected = blockBytes(1);
    expected.fill(0, 3 * SYMBOL + 5, 4 * SYMBOL);
    let second: Uint8Array | undefined;
    const parity = (rs.encodeParity([0, 1, 2].map((j) => source(1, j)).concat([short]), [4])[0] as Uint8Array);
    second = blocks(r.handle(data(1, 0), 0))[0]?.data;
    second = blocks(r.handle(data(1, 1), 0))[0]?.data ?? second;
    second = blocks(r.handle({ type: 'packet', packet: pkt<DataMessage>({ type: 'data', block: 1, symbol: 3, k: 4, payload: short }, 0x80000001, (seq += 1n)) }, 0))[0]?.data ?? second;
    second = blocks(r.handle({ type: 'packet', packet: pkt<DataMessage>({ type: 'data', block: 1, symbol: 4, k: 4, payload: parity }, 0x80000001, (seq += 1n)) }, 0))[0]?.data ?? second;
    expect(second).toBe(first); // the same buffer, reused
    expect(second).toEqual(expected);
    expect(pool.stats()).toMatchObject({ created: 1, reused: 1 });
  });

  it('receives a block into the place the app gives for it, rebuilding into it too, and takes no pool buffer then', () => {
    const pool = new BufferPool();
    const chunk = new Uint8Array(3 * 4 * SYMBOL).fill(0xcc);
    const asked: number[] = [];
    const r = receiver({ pool, placeBlock: (block, size) => (asked.push(block), block === 1 ? chunk.subarray(4 * SYMBOL, 4 * SYMBOL + size) : undefined) });
    const blocks = (actions: ReceiverAction[]) => actions.flatMap((a) => (a.type === 'block' ? [a] : []));
    let got: Uint8Array | undefined;
    for (const s of [0, 1, 3, 5]) got = blocks(r.handle(data(1, s), 0))[0]?.data ?? got;
    expect(got?.buffer).toBe(chunk.buffer);
    expect(got?.byteOffset).toBe(4 * SYMBOL);
    expect(chunk.subarray(4 * SYMBOL, 8 * SYMBOL)).toEqual(blockBytes(1));
    // Around it the app's buffer is untouched.
    expect(chunk.subarray(0, 4 * SYMBOL).every((b) => b === 0xcc)).toBe(true);
    expect(chunk.subarray(8 * SYMBOL).every((b) => b === 0xcc)).toBe(true);
    expect(pool.stats().created).toBe(0);
    // No place for block 0: a pool buffer, as without placeBlock.
    for (const s of [0, 1, 2, 3]) got = blocks(r.handle(data(0, s), 0))[0]?.data ?? got;
    expect(got).toEqual(blockBytes(0));
    expect(pool.stats().created).toBe(1);
    expect(asked).toEqual([1, 0]);
  });

  it('does not use a place of the wrong size', () => {
    const r = receiver({ placeBlock: () => new Uint8Array(3 * SYMBOL) });
    const blocks = (actions: ReceiverAction[]) => actions.flatMap((a) => (a.type === 'block' ? [a] : []));
    let got: Uint8Array | undefined;
    for (const s of [0, 1, 2, 3]) got = blocks(r.handle(data(2, s), 0))[0]?.data ?? got;
    expect(got).toEqual(blockBytes(2));
  });

  it('NACKs what it lacks after a backoff scaled by GRTT, as entries and whole-block ranges', () => {
    const r = receiver();
    r.tick(0);
    for (const s of [0, 1, 3]) r.handle(data(0, s), 0); // symbol 2 lost
    r.handle(data(3, 0), 1); // blocks 1 and 2 passed entirely unseen
    // Staggered backoff: the blocks it needs most (whole ones) are reported first, within the
    // first 40% of the window (nackBackoff = 10 x GRTT; GRTT is 10 ms before any announce).
    const first = nackUntil(r, 1, 200);
    expect(first?.nack).toEqual({ type: 'nack', receiverId: 5, entries: [], ranges: [{ first: 1, last: 2 }] });
    expect(first?.at).toBeLessThanOrEqual(1 + 0.4 * 100 + 1);
    // Block 0 needs one symbol: its turn comes in the last 40% of the window.
    const second = nackUntil(r, (first?.at ?? 0) + 1, 200);
    expect(second?.nack).toEqual({ type: 'nack', receiverId: 5, entries: [{ block: 0, needed: 1 }], ranges: [] });
    expect(second?.at).toBeGreaterThanOrEqual(1 + 0.6 * 100 - 10); // may ride along within 1 GRTT
    expect(second?.at).toBeLessThanOrEqual(1 + 100 + 1);
    // Whole blocks again only after the repeat timer (4 x GRTT, floor 20 ms) plus a new backoff.
    const again = nackUntil(r, (second?.at ?? 0) + 1, 600);
    expect(again?.nack.ranges).toEqual([{ first: 1, last: 2 }]);
    expect((again?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(40);
  });

  it('shrinks pending NACK times when the announced GRTT falls to less than half', () => {
    const announce = (grttMs: number, at: number, seqNo: bigint): void => {
      const m = { type: 'announce' as const, totalBlocks: 6, cursor: 1, pass: 0, grttMs, rateBps: 1e6, repairs: [], probeId: 0, probeTargets: [], finished: false };
      r.handle({ type: 'packet', packet: pkt(m, 0x80000001, seqNo) }, at);
    };
    const r = receiver();
    r.tick(0);
    announce(100, 0, 200n); // GRTT 100 ms: the NACK window is 1 s
    for (const s of [0, 1, 3]) r.handle(data(0, s), 1); // symbol 2 lost: due in the last 40% (600-1000 ms)
    announce(100, 2, 201n); // the cursor moves past block 0: its NACK is scheduled
    announce(5, 10, 202n); // the queues drained: GRTT 5 ms, 20 x smaller
    const nack = nackUntil(r, 10, 2000);
    expect(nack?.nack.entries).toEqual([{ block: 0, needed: 1 }]);
    expect(nack?.at).toBeLessThanOrEqual(10 + 1000 / 20 + 1);
  });

  it('stays quiet when the sender already announced enough repair for the block', () => {
    const r = receiver();
    for (const s of [0, 1]) r.handle(data(0, s), 0);
    const announce = { type: 'announce' as const, totalBlocks: 6, cursor: 1, pass: 0, grttMs: 4, rateBps: 1e6, repairs: [{ block: 0, firstSymbol: 4, count: 2 }], probeId: 0, probeTargets: [], finished: false };
    r.handle({ type: 'packet', packet: pkt(announce, 0x80000001, 100n) }, 1);
    expect(nackUntil(r, 1, 40)).toBeUndefined();
    expect(r.stats().nacksSuppressed).toBeGreaterThan(0);
    // Announced repair for only 1 of the 2 missing: it NACKs.
    r.handle({ type: 'packet', packet: pkt({ ...announce, repairs: [{ block: 0, firstSymbol: 4, count: 1 }] }, 0x80000001, 101n) }, 41);
    expect(nackUntil(r, 41, 200)?.nack.entries).toEqual([{ block: 0, needed: 2 }]);
  });

  it('reports the longest run of missed packets of each status interval', () => {
    const r = receiver({ held: [0, 1, 2, 3, 4] });
    r.tick(0);
    const announce = { type: 'announce' as const, totalBlocks: 6, cursor: 6, pass: 1, grttMs: 4, rateBps: 1e6, repairs: [], probeId: 0, probeTargets: [], finished: false };
    const at = (seq: bigint, t: number): void => void r.handle({ type: 'packet', packet: pkt(announce, 0x80000001, seq) }, t);
    for (const seq of [1n, 2n, 3n, 30n, 31n, 33n, 20n]) at(seq, 1); // 26 missed in a row; 20 came late
    expect(sends(r.tick(2000)).find((m) => m.type === 'status')).toMatchObject({ maxGap: 26 });
    for (const seq of [34n, 36n, 37n]) at(seq, 2001);
    expect(sends(r.tick(4000)).find((m) => m.type === 'status')).toMatchObject({ maxGap: 1 });
    expect(sends(r.tick(6000)).find((m) => m.type === 'status')).toMatchObject({ maxGap: 0 });
  });

  it('reports at once after a long run of missed packets, at most every 100 ms', () => {
    const r = receiver({ held: [0, 1, 2, 3, 4], statusIntervalMs: 1000 });
    r.tick(0);
    sends(r.tick(30)); // the hello
    const announce = { type: 'announce' as const, totalBlocks: 6, cursor: 6, pass: 1, grttMs: 4, rateBps: 1e6, repairs: [], probeId: 0, probeTargets: [], finished: false };
    const at = (seq: bigint, t: number): void => void r.handle({ type: 'packet', packet: pkt(announce, 0x80000001, seq) }, t);
    const statusAt = (t: number): unknown => sends(r.tick(t)).find((m) => m.type === 'status');
    at(1n, 100);
    at(3n, 150); // a short run: no early report
    expect(statusAt(160)).toBeUndefined();
    at(40n, 200); // 36 missed in a row
    expect(statusAt(210)).toMatchObject({ maxGap: 36 });
    at(80n, 250); // another run, but only 40 ms after that report
    expect(statusAt(260)).toBeUndefined();
    at(120n, 320);
    expect(statusAt(330)).toMatchObject({ maxGap: 39 });
  });

  it('answers probes aimed at it, reports loss from sequence gaps, and ends on finished', () => {
    const r = receiver({ held: [0, 1, 2, 3, 4] });
    r.tick(0);
    r.handle({ type: 'packet', packet: pkt(data(5, 0).packet.message, 0x80000001, 10n) }, 0);
    r.handle({ type: 'packet', packet: pkt(data(5, 1).packet.message, 0x80000001, 13n) }, 0); // 2 lost
    const announce = { type: 'announce' as const, totalBlocks: 6, cursor: 6, pass: 1, grttMs: 4, rateBps: 1e6, repairs: [], probeId: 9, probeTargets: [5], finished: false };
    const out = r.handle({ type: 'packet', packet: pkt(announce, 0x80000001, 14n, 1234) }, 1);
    expect(sends(out)).toContainEqual({ type: 'probe-echo', receiverId: 5, probeId: 9, probeSentAtMs: 1234, holdMs: 0 });
    const status = sends(r.tick(2000)).find((m) => m.type === 'status');
    expect(status).toMatchObject({ type: 'status', state: 'receiving', blocksDone: 5, totalBlocks: 6, lossPpm: 400_000, maxGap: 2 });
    r.handle(data(5, 2), 3);
    const done = r.handle(data(5, 3), 3);
    expect(sends(done)).toContainEqual(expect.objectContaining({ type: 'status', state: 'done', blocksDone: 6 }));
    const fin = r.handle({ type: 'packet', packet: pkt({ ...announce, probeId: 0, finished: true }, 0x80000001, 30n) }, 4);
    expect(fin).toContainEqual({ type: 'finished', complete: true });
    expect(sends(fin)).toContainEqual({ type: 'leave', receiverId: 5, reason: 'complete' });
    expect(r.tick(5000)).toEqual([]);
  });

  it('obeys a kick addressed to it, not one addressed to another receiver', () => {
    const r = receiver();
    expect(r.handle({ type: 'packet', packet: pkt({ type: 'kick', receiverId: 6, reason: 'fallback', detail: 'x' }) }, 0)).toEqual([]);
    const out = r.handle({ type: 'packet', packet: pkt({ type: 'kick', receiverId: 5, reason: 'fallback', detail: 'slow' }) }, 0);
    expect(out).toContainEqual({ type: 'kicked', reason: 'fallback', detail: 'slow' });
    expect(r.tick(10_000)).toEqual([]);
  });

  it('signals inactivity once when no data arrives for inactivityMs', () => {
    const r = receiver({ inactivityMs: 3000 });
    r.tick(0);
    r.handle(data(0, 0), 100);
    expect(r.tick(3000).filter((a) => a.type === 'inactive')).toEqual([]);
    expect(r.tick(3100)).toContainEqual({ type: 'inactive', sinceMs: 100 });
    expect(r.tick(3200).filter((a) => a.type === 'inactive')).toEqual([]);
  });

  it('resumes with held blocks, takes app re-requests and stored blocks', () => {
    const r = receiver({ held: [0, 1, 2, 3, 4, 5] });
    expect(r.isComplete).toBe(true);
    r.handle({ type: 'rerequest', blocks: [2] }, 0);
    expect(r.isComplete).toBe(false);
    r.handle({ type: 'packet', packet: pkt({ type: 'announce', totalBlocks: 6, cursor: 6, pass: 1, grttMs: 2, rateBps: 1, repairs: [], probeId: 0, probeTargets: [], finished: false }) }, 1);
    expect(nackUntil(r, 1, 100)?.nack.ranges).toEqual([{ first: 2, last: 2 }]);
    r.handle({ type: 'stored', blocks: [2] }, 101);
    expect(r.isComplete).toBe(true);
    expect(() => r.handle({ type: 'stored', blocks: [6] }, 102)).toThrow(expect.objectContaining({ code: 'REPAIR_BAD_BLOCK' }));
    let caught: unknown;
    try {
      receiver({ statusIntervalMs: 0 });
    } catch (err) {
      caught = err;
    }
    expect(isCastpointError(caught, 'REPAIR_BAD_OPTIONS')).toBe(true);
  });

  it('ignores data that does not fit the layout', () => {
    const r = receiver();
    const bad = { type: 'data' as const, block: 0, symbol: 0, k: 5, payload: new Uint8Array(SYMBOL) };
    expect(r.handle({ type: 'packet', packet: pkt(bad) }, 0)).toEqual([]);
    expect(r.handle({ type: 'packet', packet: pkt({ ...bad, k: 4, block: 99 }) }, 0)).toEqual([]);
    expect(r.stats().packets).toBe(0);
  });
});
