// The agent's buffer pool: block (~90 KB) and chunk (1 MiB) buffers go round instead of being
// allocated ~2,500 times per 200 MiB.
import { allocChunkBuffer } from '@castpoint/chunking';
import { BufferPool } from '@castpoint/repair';

/**
 * Up to 32 MiB of each buffer size wait for reuse. At 1% loss 100-300 blocks wait for their
 * repairs at once; a limit of 32 buffers meant ~450 fresh ones per image and 7-9 full collections
 * per agent instead of 3-5.
 */
export const KEEP_BYTES_PER_SIZE = 32 * 1024 * 1024;

/**
 * @param directIo chunk buffers page-aligned, so the disk can take them by direct I/O: copying
 *   200 MiB into fresh page-cache pages cost each agent ~0.4 CPU s here (docs/agent.md)
 */
export function agentBufferPool(directIo: boolean): BufferPool {
  return new BufferPool((size) => Math.max(4, Math.floor(KEEP_BYTES_PER_SIZE / size)), directIo ? allocChunkBuffer : undefined);
}
