// runMulticast's own promise: it settles on every path, also when its write queue failed. The
// receive path itself is tested with the real DP in tests/fullstack; here the parts are fakes so
// that a failure inside the queue can be staged.
import type { ReceiverAction, ReceiverEngine } from '@castpoint/repair';
import { VirtualClock } from '@castpoint/transport';
import type { Packet, SessionInfo } from '@castpoint/wire';
import { Reporter } from '../output/reporter';
import type { ChunkAssembler } from './chunk-assembler';
import { runMulticast, type MulticastOutcome } from './multicast-run';
import type { ChunkStore, SessionParts } from './ports';
import { AgentStatus } from './status';

function hashMismatch(): Error {
  return Object.assign(new Error('chunk 0 does not match the manifest'), { code: 'CHUNKING_CHUNK_HASH_MISMATCH' });
}

describe('runMulticast settles', () => {
  it('rejects (not hangs, not an unhandled rejection) when a handler inside the write queue throws', async () => {
    const clock = new VirtualClock();
    let deliver: (bytes: Uint8Array) => void = () => undefined;
    const block: ReceiverAction = { type: 'block', block: 0, data: new Uint8Array(4) };
    const engine = {
      handle: () => [block],
      tick: () => [],
      stats: () => ({ packets: 0, duplicates: 0 }),
    } as unknown as ReceiverEngine;
    const parts = {
      layout: { blockInfo: () => ({ chunk: 0 }) },
      engine,
      codec: { decode: () => ({ message: { type: 'data', symbol: 0, k: 1 } }) as unknown as Packet, encode: () => new Uint8Array(1) },
      socket: {
        onDatagram: (fn: (b: Uint8Array) => void) => (deliver = fn),
        send: () => Promise.resolve(),
        close: () => Promise.resolve(),
      },
    } as unknown as SessionParts;
    const store = {
      totalChunks: 1,
      chunksDone: () => 0,
      isDone: () => false,
      writeChunk: () => Promise.reject(hashMismatch()),
    } as unknown as ChunkStore;
    const assembler = { add: (_b: number, data: Uint8Array) => ({ chunk: 0, data }), release: () => undefined, drop: () => undefined } as unknown as ChunkAssembler;
    const status = new AgentStatus('img', new Reporter({ out: () => undefined, err: () => undefined }, { mode: 'json' }), { progress: () => Promise.resolve(true) });
    let settled: { ok: MulticastOutcome } | { err: unknown } | undefined;
    runMulticast({
      session: { senderAddress: '10.0.0.1', senderPort: 5001 } as SessionInfo,
      receiverId: 1,
      parts,
      store,
      assembler,
      status,
      now: () => clock.now(),
      timers: clock,
      silenceTimeoutMs: 100,
      // The bad chunk's note is the handler that fails (a reporter that cannot write, say).
      note: () => {
        throw new Error('the note could not be written');
      },
    }).then(
      (ok) => (settled = { ok }),
      (err: unknown) => (settled = { err }),
    );
    const turn = () => new Promise((r) => setImmediate(r));
    clock.advance(0);
    deliver(new Uint8Array(1));
    for (let t = 0; t < 300 && settled === undefined; t++) {
      clock.advance(1);
      await turn();
    }
    expect(settled).toEqual({ err: new Error('the note could not be written') });
  });

  it('discards a chunk whose frame does not decode (compressed image) like one that fails its hash, and receives it again', async () => {
    const clock = new VirtualClock();
    let deliver: (bytes: Uint8Array) => void = () => undefined;
    const asked: string[] = [];
    const engine = {
      handle: (e: { type: string }) => {
        asked.push(e.type);
        return e.type === 'packet' ? [{ type: 'block', block: 0, data: new Uint8Array(4) }] : [];
      },
      tick: () => [],
      stats: () => ({ packets: 0, duplicates: 0 }),
    } as unknown as ReceiverEngine;
    const parts = {
      layout: { blockInfo: () => ({ chunk: 0 }), chunkBlocks: () => ({ first: 0, count: 1 }) },
      engine,
      codec: { decode: () => ({ message: { type: 'data', symbol: 0, k: 1 } }) as unknown as Packet, encode: () => new Uint8Array(1) },
      socket: { onDatagram: (fn: (b: Uint8Array) => void) => (deliver = fn), send: () => Promise.resolve(), close: () => Promise.resolve() },
    } as unknown as SessionParts;
    const undecodable = Object.assign(new Error('chunk 0 is not a zstd frame of 4096 bytes'), { code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED' });
    const store = { totalChunks: 1, chunksDone: () => 0, isDone: () => false, writeChunk: () => Promise.reject(undecodable) } as unknown as ChunkStore;
    const assembler = { add: (_b: number, data: Uint8Array) => ({ chunk: 0, data }), release: () => undefined, drop: () => undefined } as unknown as ChunkAssembler;
    const status = new AgentStatus('img', new Reporter({ out: () => undefined, err: () => undefined }, { mode: 'json' }), { progress: () => Promise.resolve(true) });
    const notes: string[] = [];
    let settled: { ok: MulticastOutcome } | { err: unknown } | undefined;
    runMulticast({
      session: { senderAddress: '10.0.0.1', senderPort: 5001 } as SessionInfo,
      receiverId: 1,
      parts,
      store,
      assembler,
      status,
      now: () => clock.now(),
      timers: clock,
      silenceTimeoutMs: 100,
      note: (t) => notes.push(t),
    }).then(
      (ok) => (settled = { ok }),
      (err: unknown) => (settled = { err }),
    );
    const turn = () => new Promise((r) => setImmediate(r));
    clock.advance(0);
    deliver(new Uint8Array(1));
    for (let t = 0; t < 300 && settled === undefined; t++) {
      clock.advance(1);
      await turn();
    }
    // Not a failed run: the chunk was discarded, asked for again, and the run ended by silence.
    expect(settled).toEqual({ ok: { kind: 'silent', silentMs: 100 } });
    expect(status.progress.discardedChunks).toBe(1);
    expect(asked).toContain('rerequest');
    expect(notes[0]).toMatch(/chunk 0 failed its hash \(multicast copy 1 of 3\)/);
  });
});
