import type { DataPick, SenderEngine } from '@castpoint/repair';
import { PACED_IDLE, type FrameSender } from '@castpoint/transport';
import { DATA_HEADER_SIZE, createSessionKey, decodePacket } from '@castpoint/wire';
import { DataPackets } from './data-packets';
import type { SymbolSource } from './symbol-source';

const SYMBOL = 100;

/** A block store whose blocks load when the test says so; symbol s of block b is bytes b*16+s. */
function fakeSymbols() {
  const loaded = new Set<number>();
  const loads: Array<{ block: number; resolve: () => void }> = [];
  const symbols = {
    ready: (block: number) => loaded.has(block),
    copyInto: (block: number, symbol: number, dest: Uint8Array, at: number) => {
      if (!loaded.has(block)) return false;
      dest.fill(block * 16 + symbol, at, at + SYMBOL);
      return true;
    },
    load: (block: number) =>
      new Promise<void>((resolve) =>
        loads.push({
          block,
          resolve: () => {
            loaded.add(block);
            resolve();
          },
        }),
      ),
  };
  return { symbols: symbols as unknown as SymbolSource, loaded, loads };
}

function fakeFrames() {
  const frame = new Uint8Array(DATA_HEADER_SIZE + SYMBOL + 16);
  const sent: Uint8Array[] = [];
  const frames = {
    frameSize: frame.length,
    frame: () => frame,
    commit: (length: number, done: (err?: Error) => void) => {
      sent.push(Uint8Array.from(frame.subarray(0, length)));
      done();
    },
  };
  return { frames: frames as unknown as FrameSender, sent };
}

function setup(picks: DataPick[]) {
  const s = fakeSymbols();
  const f = fakeFrames();
  const key = createSessionKey(new Uint8Array(32).fill(1), false);
  let seq = 0;
  let wakes = 0;
  const engine = { nextData: () => picks.shift() } as unknown as SenderEngine;
  const data = new DataPackets({
    engine,
    symbols: s.symbols,
    frames: f.frames,
    key,
    sessionId: 7,
    senderId: 9,
    symbolSize: SYMBOL,
    nextSeq: () => seq++,
    nowMs: () => 0,
    sentAtMs: () => 1234,
    closed: () => false,
    wake: () => wakes++,
    fail: (err) => {
      throw err;
    },
  });
  return { ...s, ...f, key, data, wakes: () => wakes };
}

const pick = (block: number, symbol: number, repair = false): DataPick => ({ block, symbol, k: 16, repair });

describe('DataPackets', () => {
  it('idles on a pick whose block is not in memory, loads it, and gives the same pick once woken', async () => {
    const t = setup([pick(3, 1), pick(3, 2)]);
    expect(t.data.next()).toBe(PACED_IDLE);
    expect(t.loads.map((l) => l.block)).toEqual([3]);
    t.loads[0]?.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(t.wakes()).toBe(1);
    expect(t.data.next()).toEqual(pick(3, 1));
    expect(t.data.next()).toEqual(pick(3, 2));
    expect(t.data.next()).toBe(PACED_IDLE); // the engine has nothing more
  });

  it('seals each packet in its frame with the session, sequence, address and payload receivers decode', () => {
    const t = setup([]);
    t.loaded.add(2);
    t.data.send(pick(2, 5), () => undefined);
    t.data.send(pick(2, 17, true), () => undefined);
    const decoded = t.sent.map((b) => decodePacket(b, t.key, { sessionId: 7 }));
    expect(decoded.map((r) => (r.ok && r.packet.message.type === 'data' ? [r.packet.envelope.seq, r.packet.envelope.senderId, r.packet.message.block, r.packet.message.symbol, r.packet.message.payload[0]] : r))).toEqual([
      [0n, 9, 2, 5, 2 * 16 + 5],
      [1n, 9, 2, 17, 2 * 16 + 17],
    ]);
    expect([t.data.packets, t.data.dataPackets, t.data.repairPackets, t.data.bytes]).toEqual([2, 1, 1, 2 * t.data.packetSize]);
  });

  it('puts back a pick whose block is gone when the pacer lets it go, and sends it after the load', async () => {
    const t = setup([]);
    let done = 0;
    t.data.send(pick(4, 0), () => done++);
    expect(done).toBe(1); // the pacer's slot is given back
    expect(t.sent).toEqual([]);
    expect(t.loads.map((l) => l.block)).toEqual([4]);
    t.loads[0]?.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(t.data.next()).toEqual(pick(4, 0));
    expect(t.data.packets).toBe(0);
  });
});
