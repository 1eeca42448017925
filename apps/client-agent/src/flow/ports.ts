// The small interfaces the agent's flow is written against. The real implementations are thin
// adapters over libs/chunking, libs/repair, libs/wire and libs/transport (see ../adapters); tests
// use fakes. Keeping the flow behind these lets it be tested without sockets or disks.
import type { BlockLayout } from '@castpoint/chunking';
import type { ReceiverEngine } from '@castpoint/repair';
import type { ControlMessage, Manifest, Packet, SessionInfo } from '@castpoint/wire';

/** The target plus its resume journal: verified chunk writes that survive kill -9 and reboot. */
export interface ChunkStore {
  readonly manifest: Manifest;
  readonly totalChunks: number;
  /** Chunks verified and written (journaled at the writer's next commit); zero chunks count as done. */
  chunksDone(): number;
  bytesDone(): number;
  isDone(chunk: number): boolean;
  /**
   * `data` is the chunk as the DP sends it: raw, or for a compressed manifest its stored zstd frame,
   * decoded first (CHUNKING_CHUNK_DECOMPRESS_FAILED when it does not decode). Verifies the raw bytes
   * against the manifest's SHA-256, writes them at their offset, then journals the chunk.
   */
  writeChunk(chunk: number, data: Uint8Array): Promise<void>;
  /**
   * Writes zeros where a disk needs them, fsyncs, checks every chunk is journaled, closes; then reads
   * the image back (after a resume, or when asked) and checks its SHA-256. Returns the chunks that
   * read back damaged, already taken out of the journal (empty: the image verified).
   */
  finish(onReadBack?: (bytesRead: number) => void, onZeros?: (bytesWritten: number, bytesToWrite: number) => void): Promise<readonly number[]>;
  /** Closes without finishing (the journal keeps what was done). Idempotent. */
  close(): Promise<void>;
}

export interface ChunkStoreOpener {
  /**
   * Checks what needs no manifest (what the target is, that it is safe to write, where its
   * journal goes) before the DP is even asked, so that a bad target costs nothing and changes
   * nothing. open() checks again with the image's size.
   */
  precheck(): Promise<void>;
  /** Opens (or resumes) the target after the preflight checks; no byte is written before they pass. */
  open(manifest: Manifest): Promise<ChunkStore>;
  /**
   * Claims the target for this process until the returned release is called; refused while
   * another agent writes to it. @default no lock (fakes)
   */
  lock?(): Promise<() => Promise<void>>;
}

/** Packet codec bound to one session's key, id and this agent's sender id and sequence counter. */
export interface SessionCodec {
  /**
   * The packet, if it is this session's, authentic and not a replay; else undefined (the codec
   * counts why). The only place the session id is checked: what it returns is this session's.
   */
  decode(bytes: Uint8Array): Packet | undefined;
  encode(message: ControlMessage, nowMs: number): Uint8Array;
}

/** A UDP socket bound to the session port and joined to the group. */
export interface SessionSocket {
  /** `bytes` may be the reader's own buffer, valid only until `fn` returns: copy what you keep. */
  onDatagram(fn: (bytes: Uint8Array) => void): void;
  send(bytes: Uint8Array, address: string, port: number): Promise<void>;
  close(): Promise<void>;
}

/** Everything that depends on the session: made fresh for each join. */
export interface SessionParts {
  readonly layout: BlockLayout;
  /** The repair engine's receiver side for this join, fed with decoded packets and time. */
  readonly engine: ReceiverEngine;
  readonly codec: SessionCodec;
  readonly socket: SessionSocket;
}

/**
 * Recycles the large buffers of a run (FEC blocks, chunks): libs/repair's BufferPool. Contents of
 * a taken buffer are unspecified; a buffer is given back once, when nobody holds it any more.
 */
export interface BufferRecycler {
  take(size: number): Uint8Array;
  give(buf: Uint8Array): void;
}

export interface JoinArgs {
  readonly session: SessionInfo;
  readonly manifest: Manifest;
  readonly receiverId: number;
  /** Envelope sender id for this registration (the reply's `senderId`, else `receiverId`). */
  readonly senderId: number;
  /** IPv4 address of the interface to join the group on. */
  readonly interfaceAddress: string;
  /** Blocks already held (journaled chunks and carried-over partial chunks): the engine skips them. */
  readonly heldBlocks: (layout: BlockLayout) => Iterable<number>;
  readonly nowMs: number;
  /** Where the engine takes block buffers from (the assembler gives them back). */
  readonly buffers?: BufferRecycler;
  /** Where the engine receives a block, when it has a place (ChunkAssembler.placeFor). */
  readonly placeBlock?: (block: number, size: number) => Uint8Array | undefined;
}

export interface SessionFactory {
  layoutFor(session: SessionInfo, manifest: Manifest): BlockLayout;
  join(args: JoinArgs): Promise<SessionParts>;
}
