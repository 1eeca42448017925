// ChunkStore over libs/chunking: openTarget (preflight before any byte), ImageWriter (SHA-256
// before each write, journal commits after fsync), plus a final read-back of the whole image when
// chunks came from an earlier run (or when asked).
import { mkdir, stat } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { chunkLength, manifestHash, openTarget, preflightTarget, untransmittedChunks, validateManifest, type ImageWriter } from '@castpoint/chunking';
import { AgentError } from '../errors';
import type { ChunkStore, ChunkStoreOpener } from '../flow/ports';
import type { PhysicalDriveTarget } from '../win32/physical-drive-target';
import { ChunkInflater } from './chunk-inflater';
import { lockTargetFile } from './target-lock';
import { findDamagedChunks, verifyTargetImage } from './verify-target';

export interface LibStoreOptions {
  readonly target: string;
  readonly stateDir: string;
  /** False when the state dir is the default beside the target (refused for disks). */
  readonly stateDirGiven: boolean;
  /** Told about preflight findings that do not stop the write (free space, dropped journal). */
  readonly onWarning?: (text: string) => void;
  /**
   * Read the whole image back after finishing and check its SHA-256 even when this run wrote every
   * chunk itself. A resumed run always reads back. @default false
   */
  readonly readBack?: boolean;
  /**
   * Write whole chunks held in page-aligned buffers by direct I/O (see OpenTargetOptions.directIo).
   * @default false
   */
  readonly directIo?: boolean;
  /** Told facts worth one line at the end (how the chunks were written). */
  readonly onInfo?: (text: string) => void;
  /** Set when the target is a Windows disk (\\.\PhysicalDriveN): its Win32 checks and writer. */
  readonly windowsDisk?: PhysicalDriveTarget;
}

export function libStoreOpener(o: LibStoreOptions): ChunkStoreOpener {
  const win = o.windowsDisk;
  const requireStateDir = async (): Promise<void> => {
    if (!o.stateDirGiven && (win !== undefined || (await isBlockDevice(o.target)))) {
      throw new AgentError(
        'usage',
        `Writing to the disk ${o.target} needs --state-dir on persistent media (a USB stick or another disk), so the resume journal survives a reboot`,
      );
    }
  };
  return {
    async precheck(): Promise<void> {
      await requireStateDir();
      if (win !== undefined) return win.precheck(o.target);
      // Every check but the size (not known yet): a directory, a character device, a missing
      // folder (the default state dir beside the target must not create it), a mounted disk.
      await preflightTarget(o.target, 0, 0, { allowDevice: true });
    },
    async lock(): Promise<() => Promise<void>> {
      // A disk is opened exclusively (O_EXCL on a block device) and its folder, /dev, is no place
      // for a lock file; a file has no such guard.
      // A Windows disk is held by its volume locks, taken when the writer opens it.
      if (win !== undefined || (await isBlockDevice(o.target))) return async () => undefined;
      return lockTargetFile(o.target);
    },
    async open(input: Manifest): Promise<ChunkStore> {
      const manifest = validateManifest(input);
      await requireStateDir();
      await mkdir(o.stateDir, { recursive: true }).catch((err: unknown) => {
        throw new AgentError('target-refused', `Cannot create the state directory ${o.stateDir}: ${(err as Error).message}`, undefined, { cause: err });
      });
      const writer = await openTarget(o.target, manifest, { stateDir: o.stateDir, allowDevice: true, directIo: o.directIo === true, ...(win === undefined ? {} : win.writerOptions) });
      for (const w of writer.warnings) o.onWarning?.(w);
      // Every chunk this process writes was hashed in memory right before the write, and a fresh
      // target starts as holes, so reading it all back would only check the device itself, for a
      // second pass over the disk (--read-back asks for that). Chunks journaled by an earlier run
      // were only spot-checked at open: then the whole image is read back.
      const inflater = await ChunkInflater.forManifest(manifest, { directIo: o.directIo === true });
      return new LibChunkStore(writer, manifest, o.readBack === true || writer.resumedChunks > 0, o.onInfo, inflater);
    },
  };
}

async function isBlockDevice(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isBlockDevice();
  } catch {
    return false;
  }
}

class LibChunkStore implements ChunkStore {
  readonly totalChunks: number;
  private readonly done: Uint8Array;
  private doneCount = 0;
  private doneBytes = 0;

  constructor(
    private readonly writer: ImageWriter,
    readonly manifest: Manifest,
    private readonly readBack: boolean,
    private readonly onInfo?: (text: string) => void,
    /** Present for a compressed image: chunks come as stored (zstd frames) and are decoded first. */
    private readonly inflater?: ChunkInflater,
  ) {
    this.totalChunks = writer.chunkCount;
    this.done = new Uint8Array(this.totalChunks);
    // Zero chunks come from no one (finish() writes them); unused ones are never written at all.
    const zero = new Set(untransmittedChunks(manifest));
    for (let c = 0; c < this.totalChunks; c++) if (writer.isDone(c) || zero.has(c)) this.mark(c);
  }

  /** The manifest hash the journal is bound to. */
  get hash(): string {
    return manifestHash(this.manifest);
  }

  private mark(c: number): void {
    if (this.done[c]) return;
    this.done[c] = 1;
    this.doneCount++;
    this.doneBytes += chunkLength(c, this.manifest.size, this.manifest.chunkSize);
  }

  chunksDone(): number {
    return this.doneCount;
  }

  bytesDone(): number {
    return this.doneBytes;
  }

  isDone(chunk: number): boolean {
    return this.done[chunk] === 1;
  }

  /** `data`: the chunk as the DP sends it (its stored frame for a compressed image). */
  async writeChunk(chunk: number, data: Uint8Array): Promise<void> {
    if (!this.inflater) {
      await this.writer.writeChunk(chunk, data);
    } else {
      const { raw, release } = this.inflater.inflate(chunk, data);
      try {
        await this.writer.writeChunk(chunk, raw);
      } finally {
        release();
      }
    }
    this.mark(chunk);
  }

  async finish(onReadBack?: (bytesRead: number) => void, onZeros?: (bytesWritten: number, bytesToWrite: number) => void): Promise<readonly number[]> {
    await this.writer.finish(onZeros);
    const w = this.writer.writeCounts();
    // Says whether direct I/O was in effect (it silently is not on some file systems and on Windows).
    if (w.direct + w.buffered > 0) this.onInfo?.(`wrote ${w.direct} chunks by direct I/O and ${w.buffered} through the page cache`);
    const z = this.inflater?.stats();
    if (z && z.chunks > 0) this.onInfo?.(`decompressed ${z.chunks} chunks in ${(z.totalMs / 1000).toFixed(2)} s (longest ${z.longestMs.toFixed(1)} ms)`);
    if (!this.readBack) return [];
    try {
      await verifyTargetImage(this.writer.path, this.manifest, onReadBack);
      return [];
    } catch (err) {
      if (!(err instanceof AgentError) || err.code !== 'verification-failed') throw err;
      // The target changed since those chunks were journaled (or does not keep what it is given):
      // take them out of the journal so that they are fetched again, here or by the next run.
      const damaged = await findDamagedChunks(this.writer.path, this.manifest);
      if (damaged.length === 0) throw err; // every chunk matches but not the whole: the manifest contradicts itself
      await this.writer.forget(damaged);
      return damaged;
    }
  }

  async close(): Promise<void> {
    await this.writer.close();
  }
}
