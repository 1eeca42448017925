import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { allocChunkBuffer } from './aligned-memory';
import { chunkCount, chunkLength, chunkOffset } from './chunk-math';
import { ChunkingError, asChunkingError } from './errors';
import { Journal } from './journal';
import { fileJournalStore, type JournalStore } from './journal-store';
import { manifestHash, untransmittedChunks } from './manifest-codec';
import { preflightTarget, type PreflightResult, type SystemProbe, type TargetKind } from './preflight';
import { openTargetIo, type TargetIo, type WriteCounts } from './target-io';

export interface OpenTargetOptions {
  /**
   * Folder for the resume journal. Required for disks (a journal cannot live beside /dev/sda).
   * @default the target's own folder, as `<target>.castpoint-journal`
   */
  readonly stateDir?: string;
  /** Allow a block device (disk or partition) as target. @default false */
  readonly allowDevice?: boolean;
  /** Written chunks between two journal commits (each commit is one fdatasync + one journal write). @default 32 */
  readonly commitEvery?: number;
  /**
   * Also commit at the first write this long after the last commit, ms: on a slow link 32 chunks
   * are minutes of work a power cut would cost. @default 2000
   */
  readonly commitIntervalMs?: number;
  /** Monotonic time in ms for commitIntervalMs (tests inject one). @default performance.now */
  readonly now?: () => number;
  /**
   * On resume, read back this many journaled non-zero chunks (evenly spread) and check their
   * hashes; any mismatch (another disk at the same path, a file edited in between) drops the
   * journal with a warning and starts over.
   * @default 8
   */
  readonly resumeSpotChecks?: number;
  /**
   * Write whole chunks held in page-aligned buffers (allocChunkBuffer) by direct I/O, past the
   * page cache, where the platform and file system allow it; see TargetIoOptions. @default false
   */
  readonly directIo?: boolean;
  /** Where system facts are read (tests). @default the real /proc and /sys */
  readonly probe?: SystemProbe;
  /**
   * Replaces preflightTarget for targets whose checks are the platform's own (a Windows
   * \\.\PhysicalDriveN: size, system disk and volume locks through Win32). It must refuse by
   * throwing before anything is written. @default preflightTarget with allowDevice and probe
   */
  readonly preflight?: (path: string, imageSize: number, needBytes: number) => Promise<PreflightResult>;
  /** Replaces the target's I/O (tests model crashes with it). @default real positional file I/O */
  readonly openIo?: (path: string, kind: TargetKind) => Promise<TargetIo>;
  /** Replaces the journal's storage (tests). @default real files, replaced atomically */
  readonly journalStore?: JournalStore;
}

export interface FinishResult {
  readonly chunks: number;
  /** Chunks written by this run (not counting resumed or zero chunks left as holes). */
  readonly writtenChunks: number;
  readonly resumedChunks: number;
}

/** OpenTargetOptions.commitIntervalMs. */
export const DEFAULT_COMMIT_INTERVAL_MS = 2000;

/** Journal file for `target`: beside it for files, else in stateDir under a name unique per target path. */
export function journalPathFor(target: string, kind: TargetKind, stateDir?: string): string {
  if (stateDir !== undefined) {
    const tag = createHash('sha256').update(target).digest('hex').slice(0, 16);
    return join(stateDir, `${basename(target).replace(/[^A-Za-z0-9._-]/g, '_')}-${tag}.castpoint-journal`);
  }
  if (kind === 'block') {
    throw new ChunkingError('CHUNKING_STATE_DIR_REQUIRED', `writing to disk ${target} needs a state directory for the resume journal (stateDir)`, { path: target });
  }
  return `${target}.castpoint-journal`;
}

/** Reads back up to `samples` journaled non-zero chunks; returns the first one whose hash differs. */
async function spotCheck(io: TargetIo, manifest: Manifest, journal: Journal, samples: number): Promise<number | undefined> {
  const zero = new Set(untransmittedChunks(manifest));
  const done: number[] = [];
  for (let i = 0; i < journal.chunkCount; i++) if (journal.has(i) && !zero.has(i)) done.push(i);
  const picks = new Set<number>();
  const m = Math.min(samples, done.length);
  for (let s = 0; s < m; s++) picks.add(done[Math.round((s * (done.length - 1)) / Math.max(1, m - 1))] ?? 0);
  for (const c of picks) {
    const buf = Buffer.alloc(chunkLength(c, manifest.size, manifest.chunkSize));
    const n = await io.read(buf, chunkOffset(c, manifest.chunkSize));
    if (n !== buf.length || createHash('sha256').update(buf).digest('hex') !== manifest.chunks[c]) return c;
  }
  return undefined;
}

/**
 * Writes verified chunks to a file or disk and keeps the resume journal. A chunk is done only
 * when its SHA-256 matched, its bytes were written and synced, and the journal saying so was
 * flushed after that sync: so a kill at any instant never leaves a chunk marked done that is not on
 * disk. Writes may run concurrently; commits are serialised.
 */
export class ImageWriter {
  private readonly written = new Set<number>();
  private commitChain: Promise<void> = Promise.resolve();
  private closed = false;
  /** close() has begun: no new write starts while the last commit runs. */
  private closing = false;
  private writtenCount = 0;
  private readonly zeroSet: Set<number>;
  /** When the last commit began (or the writer opened), by `now`. */
  private lastCommitMs: number;

  private constructor(
    readonly path: string,
    readonly manifest: Manifest,
    readonly kind: TargetKind,
    readonly warnings: readonly string[],
    readonly resumedChunks: number,
    private readonly io: TargetIo,
    private readonly journal: Journal,
    private readonly commitEvery: number,
    private readonly commitIntervalMs: number,
    private readonly now: () => number,
  ) {
    this.zeroSet = new Set(manifest.zeroChunks);
    this.lastCommitMs = now();
  }

  /**
   * Runs every safety check, then opens the target and the journal. Nothing is written to the
   * target before all checks passed. Returns warnings (free space, dropped journal) to print.
   */
  static async open(path: string, manifest: Manifest, options: OpenTargetOptions = {}): Promise<ImageWriter> {
    const commitEvery = options.commitEvery ?? 32;
    if (!Number.isInteger(commitEvery) || commitEvery < 1) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `commitEvery ${commitEvery} must be a positive integer`, { field: 'commitEvery' });
    }
    const commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    if (!(commitIntervalMs > 0)) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `commitIntervalMs ${commitIntervalMs} must be a positive number`, { field: 'commitIntervalMs' });
    }
    const count = chunkCount(manifest.size, manifest.chunkSize);
    const skipped = untransmittedChunks(manifest);
    const skippedBytes = skipped.reduce((sum, z) => sum + chunkLength(z, manifest.size, manifest.chunkSize), 0);
    const pre = options.preflight
      ? await options.preflight(path, manifest.size, manifest.size - skippedBytes)
      : await preflightTarget(path, manifest.size, manifest.size - skippedBytes, { allowDevice: options.allowDevice, probe: options.probe });
    const warnings = [...pre.warnings];
    const jPath = journalPathFor(path, pre.kind, options.stateDir);
    const opened = await Journal.open(jPath, manifestHash(manifest), count, options.journalStore ?? fileJournalStore());
    if (opened.warning !== undefined) warnings.push(opened.warning);
    const journal = opened.journal;
    let resumed = opened.resumedChunks;

    const io = await (options.openIo ?? ((p: string, k: TargetKind) => openTargetIo(p, k, { directIo: options.directIo })))(path, pre.kind);
    try {
      if (pre.kind !== 'block' && resumed > 0) {
        const size = await io.size();
        if (size !== manifest.size) {
          warnings.push(`target ${path} has ${size} bytes instead of ${manifest.size}: the resume journal was dropped`);
          journal.clear();
          resumed = 0;
        }
      }
      if (resumed > 0) {
        const bad = await spotCheck(io, manifest, journal, options.resumeSpotChecks ?? 8);
        if (bad !== undefined) {
          warnings.push(`chunk ${bad} of ${path} no longer matches although the resume journal says it was written: the journal was dropped and the image is written again`);
          journal.clear();
          resumed = 0;
        }
      }
      if (resumed === 0) {
        // Make "nothing is done" durable BEFORE touching the target: a crash after the truncate
        // below must not find an old journal that still claims chunks of the wiped file.
        await journal.flush(true);
        if (pre.kind !== 'block') {
          // Recreate as all holes: zero chunks are then correct without writing a byte.
          await io.truncate(0);
          await io.truncate(manifest.size);
        }
      }
    } catch (err) {
      await io.close().catch(() => undefined);
      throw asChunkingError('CHUNKING_WRITE_FAILED', `cannot prepare target ${path}`, err, { path });
    }
    const writer = new ImageWriter(path, manifest, pre.kind, warnings, resumed, io, journal, commitEvery, commitIntervalMs, options.now ?? (() => performance.now()));
    // The holes of a file just recreated are its zero chunks; they join the first commit (after the
    // truncate is synced). In a resumed file they were journaled by that commit, so one that is not
    // was forgotten (damaged): finish() writes its zeros, as on a disk.
    if (pre.kind !== 'block' && resumed === 0) for (const z of manifest.zeroChunks) if (!journal.has(z)) writer.written.add(z);
    // Unused chunks are never written (the target keeps its bytes there): done from the start.
    for (const u of manifest.unusedChunks ?? []) if (!journal.has(u)) writer.written.add(u);
    return writer;
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new ChunkingError('CHUNKING_WRITER_CLOSED', `writer for ${this.path} is closed`, { path: this.path });
  }

  get chunkCount(): number {
    return this.journal.chunkCount;
  }

  /** Writes this run did by direct I/O and through the page cache (zeros when the I/O cannot tell). */
  writeCounts(): WriteCounts {
    return this.io.writeCounts?.() ?? { direct: 0, buffered: 0 };
  }

  /** True when the journal says chunk `index` is durably done (written and synced earlier). */
  isDone(index: number): boolean {
    return this.journal.has(index);
  }

  /** Non-zero chunks still to receive (after a resume: what the transfer must still deliver). */
  missingChunks(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.chunkCount; i++) if (!this.journal.has(i) && !this.written.has(i) && !this.zeroSet.has(i)) out.push(i);
    return out;
  }

  /**
   * Verifies chunk `index` against the manifest, then writes it at its offset. Returns false when the
   * chunk was already written (nothing done). A commit (sync + journal flush) runs every
   * `commitEvery` chunks. Errors leave the chunk not done.
   */
  async writeChunk(index: number, data: Uint8Array): Promise<boolean> {
    this.assertOpen();
    const len = chunkLength(index, this.manifest.size, this.manifest.chunkSize);
    if (this.journal.has(index) || this.written.has(index)) return false;
    if (data.length !== len) {
      throw new ChunkingError('CHUNKING_CHUNK_LENGTH_MISMATCH', `chunk ${index} must be ${len} bytes, got ${data.length}`, {
        chunk: index,
        expected: len,
        actual: data.length,
      });
    }
    const actual = createHash('sha256').update(data).digest('hex');
    const expected = this.manifest.chunks[index] ?? '';
    if (actual !== expected) {
      throw new ChunkingError('CHUNKING_CHUNK_HASH_MISMATCH', `chunk ${index} is corrupt (SHA-256 does not match the manifest); nothing was written`, {
        chunk: index,
        expected,
        actual,
      });
    }
    // A zero chunk in a file is a hole already; do not allocate blocks for it.
    if (!(this.kind !== 'block' && this.zeroSet.has(index))) {
      try {
        await this.io.write(data, chunkOffset(index, this.manifest.chunkSize));
      } catch (err) {
        throw asChunkingError('CHUNKING_WRITE_FAILED', `cannot write chunk ${index} to ${this.path}`, err, { path: this.path, chunk: index });
      }
    }
    if (this.journal.has(index) || this.written.has(index)) return false;
    this.written.add(index);
    this.writtenCount++;
    if (this.commitDue()) await this.commit();
    return true;
  }

  /** Every `commitEvery` chunks, or at the first write `commitIntervalMs` after the last commit. */
  private commitDue(): boolean {
    return this.written.size >= this.commitEvery || this.now() - this.lastCommitMs >= this.commitIntervalMs;
  }

  /**
   * Makes every chunk written so far durable and journals it: fdatasync the target FIRST, then
   * mark and flush the journal. Concurrent calls are serialised.
   */
  commit(): Promise<void> {
    // Set when asked, not when run: writes racing a commit do not each queue another one.
    this.lastCommitMs = this.now();
    const run = async (): Promise<void> => {
      if (this.written.size === 0) return;
      const batch = [...this.written];
      try {
        await this.io.sync();
      } catch (err) {
        throw asChunkingError('CHUNKING_WRITE_FAILED', `cannot sync ${this.path}`, err, { path: this.path });
      }
      this.journal.markDone(batch);
      for (const c of batch) this.written.delete(c);
      await this.journal.flush();
    };
    const next = this.commitChain.then(run, run);
    this.commitChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes zeros where a zero chunk is not journaled (all of a disk's; in a file only those a
   * read-back found damaged, the rest are holes), commits, checks every chunk is journaled, and
   * closes. Throws CHUNKING_INCOMPLETE (writer stays open)
   * when chunks are missing.
   */
  async finish(onZeros?: (bytesWritten: number, bytesToWrite: number) => void): Promise<FinishResult> {
    this.assertOpen();
    let zeros: Uint8Array | undefined;
    // A disk's empty regions can be most of the image: minutes of writing, worth a progress line.
    const todo = this.manifest.zeroChunks.filter((z) => !this.journal.has(z) && !this.written.has(z));
    const total = todo.reduce((sum, z) => sum + chunkLength(z, this.manifest.size, this.manifest.chunkSize), 0);
    let done = 0;
    for (const z of todo) {
      const len = chunkLength(z, this.manifest.size, this.manifest.chunkSize);
      // Aligned when it can be, so a disk's zero regions go by direct I/O like its data.
      zeros ??= allocChunkBuffer(this.manifest.chunkSize);
      // Known zeros need no hash check: write them straight away.
      try {
        await this.io.write(zeros.subarray(0, len), chunkOffset(z, this.manifest.chunkSize));
      } catch (err) {
        throw asChunkingError('CHUNKING_WRITE_FAILED', `cannot write zeros to chunk ${z} of ${this.path}`, err, { path: this.path, chunk: z });
      }
      this.written.add(z);
      this.writtenCount++;
      done += len;
      onZeros?.(done, total);
      if (this.commitDue()) await this.commit();
    }
    await this.commit();
    const missing = this.chunkCount - this.journal.doneCount;
    if (missing > 0) {
      throw new ChunkingError('CHUNKING_INCOMPLETE', `${missing} of ${this.chunkCount} chunks of ${this.path} are not written yet`, { path: this.path, missing });
    }
    this.closed = true;
    try {
      await this.io.sync();
      await this.io.close();
    } catch (err) {
      throw asChunkingError('CHUNKING_WRITE_FAILED', `cannot sync ${this.path}`, err, { path: this.path });
    }
    return { chunks: this.chunkCount, writtenChunks: this.writtenCount, resumedChunks: this.resumedChunks };
  }

  /**
   * Takes chunks out of the journal (a read-back found them damaged), so that the next open of this
   * target asks for them again. Works after finish() and close(): the journal outlives the target.
   */
  async forget(chunks: readonly number[]): Promise<void> {
    this.journal.forget(chunks);
    await this.journal.flush();
  }

  /** Commits what is written and closes without the completeness check (to stop and resume later). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      await this.commit();
    } finally {
      this.closed = true;
      await this.io.close();
    }
  }
}

/** Opens a target for writing after every safety check: see ImageWriter.open. */
export function openTarget(path: string, manifest: Manifest, options: OpenTargetOptions = {}): Promise<ImageWriter> {
  return ImageWriter.open(path, manifest, options);
}
