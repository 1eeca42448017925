// A WIM image goes to the disk in two stages: received chunk by chunk into a staging file (the same
// ImageWriter, journal and resume as any file target), then applied (apply-wim.ts) once the staged
// file is complete and verified, inside ChunkStore.finish(): a failed apply fails the deploy, and
// a rerun finds the staged WIM complete in its journal and applies it again from the start.
import { join } from 'node:path';
import type { ImageContent, Manifest } from '@castpoint/wire';
import { AgentError } from '../errors';
import type { ChunkStore, ChunkStoreOpener } from '../flow/ports';
import { diskBytesNeeded, type DiskGeometry } from './apply-plan';

/** What a reply said the image is (the DP tells it with each join and fallback reply). */
export interface ContentWatch {
  current(): ImageContent | undefined;
}

export interface WimStoreOptions {
  /** The target disk, for messages and the apply. */
  readonly target: string;
  /** The opener of the target itself: used for a disk image, and for its checks and lock always. */
  readonly disk: ChunkStoreOpener;
  /** Opens a file target (the staged WIM) with the deploy's state dir for its journal. */
  readonly staging: (file: string) => ChunkStoreOpener;
  readonly stagingDir: string;
  readonly content: ContentWatch;
  /** The target's size and sector size (refused if it is no disk). */
  readonly probe: () => Promise<DiskGeometry>;
  /** Free bytes in a directory, and the size of a file (0 when absent). */
  readonly freeBytes: (dir: string) => Promise<number>;
  readonly fileBytes: (file: string) => Promise<number>;
  readonly mkdir: (dir: string) => Promise<void>;
  readonly remove: (file: string) => Promise<void>;
  /** Lays out the disk and applies image `content.index` of the staged WIM. */
  readonly apply: (stagedWim: string, content: ImageContent, geometry: DiskGeometry) => Promise<void>;
}

const GiB = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GiB`;

export function wimStoreOpener(o: WimStoreOptions): ChunkStoreOpener {
  const lock = o.disk.lock?.bind(o.disk);
  return {
    precheck: () => o.disk.precheck(),
    ...(lock ? { lock } : {}),
    async open(manifest: Manifest): Promise<ChunkStore> {
      const content = o.content.current();
      if (!content) return o.disk.open(manifest);
      // Every refusal before a byte is staged, let alone written to the disk.
      const geometry = await o.probe();
      const needed = diskBytesNeeded(content.totalBytes, geometry.sectorSize);
      if (geometry.sizeBytes < needed) {
        throw new AgentError(
          'target-refused',
          `${o.target} holds ${GiB(geometry.sizeBytes)}; WIM image ${content.index} expands to ${GiB(content.totalBytes)} of files and needs a disk of at least ${GiB(needed)} with its ESP, MSR and NTFS overhead`,
          { diskBytes: geometry.sizeBytes, neededBytes: needed },
        );
      }
      await o.mkdir(o.stagingDir).catch((err: unknown) => {
        throw new AgentError('target-refused', `Cannot create the staging directory ${o.stagingDir}: ${(err as Error).message}`, undefined, { cause: err });
      });
      // Named by content: a resumed run finds its own WIM; another image's never mixes with it.
      const staged = join(o.stagingDir, `${manifest.sha256.slice(0, 16)}.wim`);
      const free = (await o.freeBytes(o.stagingDir)) + (await o.fileBytes(staged));
      if (free < manifest.size) {
        throw new AgentError('target-refused', `The staging directory ${o.stagingDir} has ${GiB(free)} free; the WIM needs ${GiB(manifest.size)} there before it is applied (--staging-dir elsewhere)`, {
          freeBytes: free,
          neededBytes: manifest.size,
        });
      }
      const inner = await o.staging(staged).open(manifest);
      return new StagedWimStore(inner, staged, content, geometry, o);
    },
  };
}

class StagedWimStore implements ChunkStore {
  constructor(
    private readonly inner: ChunkStore,
    private readonly staged: string,
    private readonly content: ImageContent,
    private readonly geometry: DiskGeometry,
    private readonly o: WimStoreOptions,
  ) {}

  get manifest(): Manifest {
    return this.inner.manifest;
  }

  get totalChunks(): number {
    return this.inner.totalChunks;
  }

  chunksDone(): number {
    return this.inner.chunksDone();
  }

  bytesDone(): number {
    return this.inner.bytesDone();
  }

  isDone(chunk: number): boolean {
    return this.inner.isDone(chunk);
  }

  writeChunk(chunk: number, data: Uint8Array): Promise<void> {
    return this.inner.writeChunk(chunk, data);
  }

  async finish(onReadBack?: (bytesRead: number) => void, onZeros?: (bytesWritten: number, bytesToWrite: number) => void): Promise<readonly number[]> {
    const damaged = await this.inner.finish(onReadBack, onZeros);
    if (damaged.length > 0) return damaged;
    await this.o.apply(this.staged, this.content, this.geometry);
    // The staged copy is only a means: gone once the disk holds the image (a rerun fetches again).
    await this.o.remove(this.staged).catch(() => undefined);
    return [];
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
