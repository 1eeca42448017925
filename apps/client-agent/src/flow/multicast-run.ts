// One stay in a multicast session: decode, feed the receiver engine, send its control messages to
// the sender, assemble and write chunks, until the image is complete, the DP kicks this receiver,
// the group falls silent, or the DP forgets us (it restarted). Owns no timers beyond its own run.
import type { ReceiverAction } from '@castpoint/repair';
import { realClock, type Clock as Timers } from '@castpoint/transport';
import type { ControlMessage, KickReason, LeaveReason, Packet, SessionInfo } from '@castpoint/wire';
import { AgentError } from '../errors';
import { blocksOfChunk, type ChunkAssembler } from './chunk-assembler';
import type { ChunkStore, SessionParts } from './ports';
import type { AgentStatus } from './status';

export type MulticastOutcome =
  | { readonly kind: 'complete' }
  | { readonly kind: 'kick'; readonly reason: KickReason; readonly detail: string }
  | { readonly kind: 'silent'; readonly silentMs: number }
  /** The sender ended the session before this receiver had everything. */
  | { readonly kind: 'ended' }
  | { readonly kind: 'forgotten' };

export interface MulticastRunArgs {
  readonly session: SessionInfo;
  readonly receiverId: number;
  readonly parts: SessionParts;
  readonly store: ChunkStore;
  readonly assembler: ChunkAssembler;
  readonly status: AgentStatus;
  readonly now: () => number;
  /** No valid packet for this long ends the run as `silent`, ms. */
  readonly silenceTimeoutMs: number;
  /** Engine tick period, ms. @default 10 */
  readonly tickMs?: number;
  /** Schedules the ticks (the full-stack test passes a VirtualClock, so time moves when it says). @default realClock() */
  readonly timers?: Timers;
  /**
   * Fetches one chunk's bytes by unicast (HTTP Range from the DP), for a chunk whose multicast
   * copies keep failing their hash. Absent: such a chunk fails the run (exit 6).
   */
  readonly fetchChunk?: (chunk: number) => Promise<Uint8Array>;
  /** One line for the user (a chunk discarded, fetched by unicast). @default none */
  readonly note?: (text: string) => void;
  /**
   * Hash failures per chunk so far, kept by the caller across the sessions of one deploy: the DP
   * ends a session once every agent reported every block, which may come before the last copy
   * failed its hash; counted per session, a poisoned chunk was received again in session after
   * session for ever. @default a fresh count
   */
  readonly badChunks?: Map<number, number>;
}

/**
 * Multicast copies of one chunk that may fail their hash before it is fetched by unicast. Data is
 * only MAC-protected, so any agent of the session can forge symbols: a bad chunk is discarded and
 * received again, never fatal; only a unicast copy that fails too (the image itself is bad) is.
 */
export const MULTICAST_CHUNK_ATTEMPTS = 3;

function isHashMismatch(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // A frame of a compressed image that does not decode is as corrupt as one that hashes wrong.
  return code === 'CHUNKING_CHUNK_HASH_MISMATCH' || code === 'CHUNKING_CHUNK_DECOMPRESS_FAILED' || code === 'verification-failed';
}

export function runMulticast(a: MulticastRunArgs): Promise<MulticastOutcome> {
  const { parts, store, assembler, status, session } = a;
  const start = a.now();
  let lastValid = start;
  let validPackets = 0;
  let writing: Promise<void> = Promise.resolve();
  let pendingWrites = 0;
  let ended = false;
  let failed = false;
  const badChunks = a.badChunks ?? new Map<number, number>();
  const engine = parts.engine;
  let repairedSymbols = 0;
  let cancelTick = (): void => undefined;

  return new Promise<MulticastOutcome>((resolve, reject) => {
    const finish = (outcome: MulticastOutcome | Error, leave?: LeaveReason): void => {
      if (ended) return;
      ended = true;
      failed = outcome instanceof Error;
      cancelTick();
      const closing = (async () => {
        // Chunks already whole are written before leaving: a kick right after the last data
        // packet must not cost them (unicast fallback would fetch them again).
        await writing;
        if (leave) await sendControl({ type: 'leave', receiverId: a.receiverId, reason: leave }).catch(() => undefined);
        await parts.socket.close().catch(() => undefined);
      })();
      // Settled also when the write queue itself failed (a throwing handler): left unhandled, that
      // rejection ended the process, or the deploy waited for ever on a run that never settles.
      closing.then(
        () => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
        (err: unknown) => reject(outcome instanceof Error ? outcome : err instanceof Error ? err : new Error(String(err))),
      );
    };

    const sendControl = (m: ControlMessage): Promise<void> => {
      try {
        return parts.socket.send(parts.codec.encode(m, a.now()), session.senderAddress, session.senderPort);
      } catch (err) {
        // An encode error is a bug on our side; it must not take the datagram handler down.
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };

    /** Acts on what the engine asked for; a kick or the session's end is acted on after the rest. */
    const process = (actions: readonly ReceiverAction[]): void => {
      // Called for every datagram, and most change nothing: leave before any iterator is made.
      if (actions.length === 0) return;
      let kick: Extract<ReceiverAction, { type: 'kicked' }> | undefined;
      let endedIncomplete = false;
      for (const x of actions) {
        if (x.type === 'send') {
          // A lost control packet is repaired by the engine's own timers; an error here is not fatal.
          sendControl(x.message).catch(() => undefined);
        } else if (x.type === 'block') {
          const chunk = parts.layout.blockInfo(x.block).chunk;
          if (store.isDone(chunk)) {
            // Written by another path: whatever is held for it goes (a place in its buffer too).
            assembler.release(x.data);
            assembler.drop(chunk);
            continue;
          }
          const whole = assembler.add(x.block, x.data);
          if (whole) enqueueWrite(whole.chunk, whole.data);
        } else if (x.type === 'kicked') kick = x;
        // A finished session with everything held completes through the write queue in tick().
        else if (x.type === 'finished') endedIncomplete = !x.complete;
      }
      if (kick) finish({ kind: 'kick', reason: kick.reason, detail: kick.detail });
      else if (endedIncomplete) finish({ kind: 'ended' }, 'cancelled');
    };

    /**
     * Feeds a packet to the engine. A parity symbol the engine kept (not a duplicate, for a block
     * it lacked) stands in for a lost source symbol: that is one repaired symbol.
     */
    const handlePacket = (packet: Packet, now: number): void => {
      const m = packet.message;
      const before = m.type === 'data' && m.symbol >= m.k ? engine.stats() : undefined;
      const actions = engine.handle({ type: 'packet', packet }, now);
      if (before) {
        const after = engine.stats();
        if (after.packets > before.packets && after.duplicates === before.duplicates) repairedSymbols++;
      }
      process(actions);
    };

    const enqueueWrite = (chunk: number, data: Uint8Array): void => {
      pendingWrites++;
      writing = writing.then(async () => {
        if (failed) return;
        try {
          if (!store.isDone(chunk)) await store.writeChunk(chunk, data);
        } catch (err) {
          if (!isHashMismatch(err)) finish(err instanceof Error ? err : new Error(String(err)));
          else await onBadChunk(chunk, err);
        } finally {
          pendingWrites--;
          // Written, or refused for good: either way the chunk buffer is free again.
          assembler.release(data);
        }
      });
    };

    /**
     * A chunk assembled from multicast failed its hash: forged symbols (any session member can MAC
     * them), a bug, bad RAM. Discarded and counted; received again by multicast, and after
     * MULTICAST_CHUNK_ATTEMPTS failures fetched by unicast. Runs inside the write queue.
     */
    const onBadChunk = async (chunk: number, err: unknown): Promise<void> => {
      const failures = (badChunks.get(chunk) ?? 0) + 1;
      badChunks.set(chunk, failures);
      status.progress.discardedChunks++;
      assembler.drop(chunk);
      if (failures < MULTICAST_CHUNK_ATTEMPTS || !a.fetchChunk) {
        if (failures >= MULTICAST_CHUNK_ATTEMPTS) return finish(err instanceof Error ? err : new Error(String(err)));
        a.note?.(`chunk ${chunk} failed its hash (multicast copy ${failures} of ${MULTICAST_CHUNK_ATTEMPTS}): discarded, receiving it again`);
        process(engine.handle({ type: 'rerequest', blocks: blocksOfChunk(parts.layout, chunk) }, a.now()));
        return;
      }
      a.note?.(`chunk ${chunk} failed its hash ${failures} times by multicast: fetching it by unicast`);
      let copy: Uint8Array;
      try {
        copy = await a.fetchChunk(chunk);
      } catch (fetchErr) {
        // The DP refused (multicast-only image) or is out of reach: multicast is still the way.
        a.note?.(`chunk ${chunk} could not be fetched by unicast (${(fetchErr as Error).message}); receiving it again by multicast`);
        badChunks.set(chunk, 0);
        process(engine.handle({ type: 'rerequest', blocks: blocksOfChunk(parts.layout, chunk) }, a.now()));
        return;
      }
      if (ended) return;
      try {
        await store.writeChunk(chunk, copy);
      } catch (unicastErr) {
        if (!isHashMismatch(unicastErr)) return finish(unicastErr instanceof Error ? unicastErr : new Error(String(unicastErr)));
        return finish(
          new AgentError(
            'verification-failed',
            `chunk ${chunk} does not match the manifest, neither by multicast (${failures} times) nor by unicast: the image on the DP is bad`,
            { chunk },
            { cause: unicastErr },
          ),
        );
      }
      process(engine.handle({ type: 'stored', blocks: blocksOfChunk(parts.layout, chunk) }, a.now()));
      // The engine no longer writes into a place for this chunk: its buffer, if one was started, goes.
      assembler.drop(chunk);
    };

    parts.socket.onDatagram((bytes) => {
      if (ended) return;
      const packet = parts.codec.decode(bytes);
      if (!packet) {
        status.progress.badPackets++;
        return;
      }
      const now = a.now();
      lastValid = now;
      validPackets++;
      handlePacket(packet, now);
    });

    const tick = (): void => {
      if (ended) return;
      const now = a.now();
      process(engine.tick(now));
      if (ended) return;
      status.progress.repairedSymbols = repairedSymbols;
      status.progress.set(validPackets === 0 ? 'waiting' : 'receiving');
      status.tick(now);
      if (store.chunksDone() >= store.totalChunks && pendingWrites === 0) {
        finish({ kind: 'complete' }, 'complete');
      } else if (status.posts.dpForgotUs) {
        finish({ kind: 'forgotten' });
      } else if (now - lastValid >= a.silenceTimeoutMs) {
        finish({ kind: 'silent', silentMs: now - lastValid }, 'inactive');
      }
    };
    const timers = a.timers ?? realClock();
    const tickMs = a.tickMs ?? 10;
    // A first tick at once rather than a period later: it starts the hello's short spread, and
    // a scheduled session's data waits for the last agent's hello. Each tick books the next first.
    const every = (delayMs: number): void => {
      cancelTick = timers.schedule(() => {
        every(tickMs);
        tick();
      }, delayMs);
    };
    every(0);
  });
}
