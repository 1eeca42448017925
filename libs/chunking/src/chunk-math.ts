import { ChunkingError } from './errors';

/** 1 MiB: big enough that per-chunk overhead (hash, journal bit, HTTP request) is negligible. */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Chunks must hold at least one symbol's worth of data and stay well inside a Buffer. */
export const MIN_CHUNK_SIZE = 4096;
export const MAX_CHUNK_SIZE = 256 * 1024 * 1024;

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || chunkSize % 512 !== 0) {
    throw new ChunkingError(
      'CHUNKING_BAD_OPTION',
      `chunk size ${chunkSize} is invalid: use a multiple of 512 between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE} bytes`,
      { field: 'chunkSize', actual: chunkSize },
    );
  }
}

/** Number of chunks of an image; an empty image has none. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Byte offset of chunk `index`. Exact for any image below 8 PiB (Number.MAX_SAFE_INTEGER). */
export function chunkOffset(index: number, chunkSize: number): number {
  return index * chunkSize;
}

/** Length of chunk `index`: `chunkSize` except for a shorter last chunk. */
export function chunkLength(index: number, size: number, chunkSize: number): number {
  const count = chunkCount(size, chunkSize);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `chunk ${index} does not exist: the image has ${count} chunks`, {
      chunk: index,
      expected: count,
    });
  }
  return Math.min(chunkSize, size - index * chunkSize);
}

/** The chunks that byte range [start, endExclusive) touches, as [first, lastExclusive). */
export function chunksOfRange(start: number, endExclusive: number, chunkSize: number): [number, number] {
  if (endExclusive <= start) return [0, 0];
  return [Math.floor(start / chunkSize), Math.ceil(endExclusive / chunkSize)];
}
