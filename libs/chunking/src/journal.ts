import { createHash } from 'node:crypto';
import { ChunkingError, asChunkingError } from './errors';
import { fileJournalStore, type JournalStore } from './journal-store';

const MAGIC = Buffer.from('CPJ1', 'ascii');
const HEADER = 4 + 32 + 4; // magic, manifest hash, chunk count
const TRAILER = 32; // SHA-256 of everything before it

/** What opening a journal found. */
export interface JournalOpen {
  readonly journal: Journal;
  /** Chunks already done from an earlier run (0 for a fresh journal). */
  readonly resumedChunks: number;
  /** Set when an existing journal was dropped (other manifest, damaged): print it. */
  readonly warning?: string;
}

/** Encodes the journal: magic, manifest hash, chunk count, done bitmap, SHA-256 of all that. */
export function encodeJournal(manifestHashHex: string, chunkCount: number, bitmap: Uint8Array): Buffer {
  const body = Buffer.alloc(HEADER + bitmap.length);
  MAGIC.copy(body, 0);
  Buffer.from(manifestHashHex, 'hex').copy(body, 4);
  body.writeUInt32LE(chunkCount, 36);
  body.set(bitmap, HEADER);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Decodes a journal; undefined with a reason when it is damaged (it is then dropped, never trusted). */
export function decodeJournal(data: Buffer): { manifestHash: string; chunkCount: number; bitmap: Uint8Array } | { damaged: string } {
  if (data.length < HEADER + TRAILER) return { damaged: 'it is too short' };
  if (!data.subarray(0, 4).equals(MAGIC)) return { damaged: 'it is not a castpoint journal' };
  const body = data.subarray(0, data.length - TRAILER);
  if (!createHash('sha256').update(body).digest().equals(data.subarray(data.length - TRAILER))) return { damaged: 'its checksum does not match' };
  const chunkCount = body.readUInt32LE(36);
  const bitmap = body.subarray(HEADER);
  if (bitmap.length !== Math.ceil(chunkCount / 8)) return { damaged: 'its bitmap has the wrong length' };
  return { manifestHash: body.subarray(4, 36).toString('hex'), chunkCount, bitmap: new Uint8Array(bitmap) };
}

/**
 * The resume journal: a bitmap of done chunks bound to one manifest hash, replaced atomically on
 * every flush. It only records what it is told; the rule that makes it crash-safe (mark a chunk
 * only after its bytes are synced to the target) is kept by ImageWriter.commit().
 */
export class Journal {
  private done = 0;
  private dirty = false;

  private constructor(
    readonly path: string,
    readonly manifestHash: string,
    readonly chunkCount: number,
    private readonly bitmap: Uint8Array,
    private readonly store: JournalStore,
  ) {
    for (let i = 0; i < chunkCount; i++) if (this.has(i)) this.done++;
  }

  static async open(path: string, manifestHash: string, chunkCount: number, store: JournalStore = fileJournalStore()): Promise<JournalOpen> {
    if (!/^[0-9a-f]{64}$/.test(manifestHash)) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', 'journal needs a manifest hash of 64 lowercase hex digits', { field: 'manifestHash' });
    }
    const fresh = (): Journal => new Journal(path, manifestHash, chunkCount, new Uint8Array(Math.ceil(chunkCount / 8)), store);
    let data: Buffer | undefined;
    try {
      data = await store.read(path);
    } catch (err) {
      throw asChunkingError('CHUNKING_JOURNAL_IO', `cannot read resume journal ${path}`, err, { path });
    }
    if (data === undefined) return { journal: fresh(), resumedChunks: 0 };
    const decoded = decodeJournal(data);
    if ('damaged' in decoded) {
      return { journal: fresh(), resumedChunks: 0, warning: `resume journal ${path} was dropped because ${decoded.damaged}; starting from the beginning` };
    }
    if (decoded.manifestHash !== manifestHash || decoded.chunkCount !== chunkCount) {
      return {
        journal: fresh(),
        resumedChunks: 0,
        warning: `resume journal ${path} belongs to another image (manifest ${decoded.manifestHash.slice(0, 12)}…, now ${manifestHash.slice(0, 12)}…) and was dropped; starting from the beginning`,
      };
    }
    const journal = new Journal(path, manifestHash, chunkCount, decoded.bitmap, store);
    return { journal, resumedChunks: journal.doneCount };
  }

  has(chunk: number): boolean {
    return ((this.bitmap[chunk >>> 3] ?? 0) & (1 << (chunk & 7))) !== 0;
  }

  get doneCount(): number {
    return this.done;
  }

  get complete(): boolean {
    return this.done === this.chunkCount;
  }

  /** Marks chunks done in memory; durable only after flush(). Callers must have synced their data. */
  markDone(chunks: Iterable<number>): void {
    for (const c of chunks) {
      if (!Number.isInteger(c) || c < 0 || c >= this.chunkCount) {
        throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `chunk ${c} does not exist: the journal has ${this.chunkCount} chunks`, { chunk: c });
      }
      if (!this.has(c)) {
        this.bitmap[c >>> 3] = (this.bitmap[c >>> 3] ?? 0) | (1 << (c & 7));
        this.done++;
        this.dirty = true;
      }
    }
  }

  /** Forgets these chunks (found damaged when the target was read back): they must be written again. */
  forget(chunks: Iterable<number>): void {
    for (const c of chunks) {
      if (this.has(c)) {
        this.bitmap[c >>> 3] = (this.bitmap[c >>> 3] ?? 0) & ~(1 << (c & 7));
        this.done--;
        this.dirty = true;
      }
    }
  }

  /** Forgets every done chunk (used when the target had to be recreated). */
  clear(): void {
    this.bitmap.fill(0);
    this.done = 0;
    this.dirty = true;
  }

  /** Writes the journal atomically if anything changed since the last flush. */
  async flush(force = false): Promise<void> {
    if (!this.dirty && !force) return;
    try {
      await this.store.writeAtomic(this.path, encodeJournal(this.manifestHash, this.chunkCount, this.bitmap));
      this.dirty = false;
    } catch (err) {
      throw asChunkingError('CHUNKING_JOURNAL_IO', `cannot write resume journal ${this.path}`, err, { path: this.path });
    }
  }

  async remove(): Promise<void> {
    try {
      await this.store.remove(this.path);
    } catch (err) {
      throw asChunkingError('CHUNKING_JOURNAL_IO', `cannot remove resume journal ${this.path}`, err, { path: this.path });
    }
  }
}
