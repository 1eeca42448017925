// The protocol rules the sender engine took over from the DP's runner: which control packets count
// (sender id, registration, replay) and holding new data for expected joiners.
import type { ControlMessage, Packet } from '@castpoint/wire';
import { seededRng } from '../rng';
import { uniformLayout } from './layout';
import { SenderEngine, type SenderAction } from './sender';

const layout = uniformLayout(10 * 4 * 100, 100, 4);
const done = (receiverId: number): ControlMessage => ({ type: 'status', receiverId, state: 'done', blocksDone: 10, totalBlocks: 10, rateBps: 0, lossPpm: 0, maxGap: 0 });
const waiting = (receiverId: number): ControlMessage => ({ type: 'status', receiverId, state: 'waiting', blocksDone: 0, totalBlocks: 10, rateBps: 0, lossPpm: 0, maxGap: 0 });

function packet(senderId: number, seq: bigint, message: ControlMessage): { type: 'packet'; packet: Packet<ControlMessage> } {
  return { type: 'packet', packet: { envelope: { sessionId: 1, senderId, seq, sentAtMs: 0 }, message } };
}

function sender(...receivers: number[]): SenderEngine {
  const s = new SenderEngine({ sessionId: 1, layout, symbolSize: 100, maxRateBytesPerSec: 1e6, rng: seededRng(1), interleave: 2 });
  for (const r of receivers) s.handle({ type: 'register', receiverId: r }, 0);
  return s;
}

const kinds = (actions: SenderAction[]): string[] => actions.map((a) => a.type);

describe('SenderEngine: which control packets count', () => {
  it('drops a packet speaking for another receiver (spoofed) and counts it', () => {
    const s = sender(7, 8);
    expect(kinds(s.handle(packet(8, 1n, done(7)), 1))).toEqual([]);
    expect(s.stats().receivers.find((r) => r.receiverId === 7)?.state).toBe('waiting');
    expect(s.stats().droppedControl).toEqual({ spoofed: 1, unknown: 0, replay: 0 });
  });

  it('acts on each packet once: a seq seen before is a replay', () => {
    const s = sender(7);
    expect(s.handlePacket(packet(7, 5n, waiting(7)).packet, 1)).toEqual({ accepted: true, actions: [] });
    expect(s.handlePacket(packet(7, 5n, done(7)).packet, 2)).toEqual({ accepted: false, actions: [] });
    expect(kinds(s.handle(packet(7, 4n, done(7)), 3))).toEqual([]);
    expect(s.isFinished).toBe(false);
    expect(s.stats().droppedControl.replay).toBe(2);
    expect(kinds(s.handle(packet(7, 6n, done(7)), 4))).toEqual(['receiver-done', 'finished']);
  });

  it('drops ids it did not register, and a receiver unregistered, storing nothing', () => {
    const s = sender(7);
    expect(kinds(s.handle(packet(9, 1n, waiting(9)), 1))).toEqual([]);
    s.handle({ type: 'unregister', receiverId: 7 }, 2);
    expect(kinds(s.handle(packet(7, 1n, waiting(7)), 3))).toEqual([]);
    expect(s.stats().droppedControl).toEqual({ spoofed: 0, unknown: 2, replay: 0 });
    expect(s.stats().peakStateEntries).toBeLessThanOrEqual(1);
  });
});

describe('SenderEngine: holding new data for expected joiners', () => {
  it('holds until the expected receivers were heard, announcing meanwhile', () => {
    const s = sender(1);
    s.handle({ type: 'await-joiners', count: 2, graceMs: 1000 }, 0);
    expect(s.nextData(0)).toBeUndefined();
    expect(s.tick(0).some((a) => a.type === 'send' && a.message.type === 'announce')).toBe(true);
    s.handle(packet(1, 1n, waiting(1)), 10);
    s.handle({ type: 'register', receiverId: 2 }, 20);
    expect(s.nextData(20)).toBeUndefined(); // registered but not heard yet
    s.handle(packet(2, 1n, waiting(2)), 30);
    expect(s.nextData(30)).toMatchObject({ block: 0, symbol: 0, repair: false });
  });

  it('gives up waiting after the grace time', () => {
    const s = sender(1);
    s.handle({ type: 'await-joiners', count: 3, graceMs: 500 }, 100);
    expect(s.nextData(599)).toBeUndefined();
    expect(s.nextData(600)).toMatchObject({ block: 0, symbol: 0 });
  });
});
