// Buffers the disk can take by direct I/O (O_DIRECT): the kernel then moves the bytes from our
// memory to the device without copying them into the page cache. On Linux the buffer's address,
// the file offset and the length must all be multiples of the device's block size. JavaScript
// cannot ask for an aligned address, nor read one; a WebAssembly memory, though, is mapped by V8
// with the operating system's page allocator, so it starts on a page boundary (4 KiB or more).
import { constants } from 'node:fs';

/** Alignment asked of direct writes: 4 KiB covers 512-byte and 4K-sector disks. */
export const DIRECT_IO_ALIGNMENT = 4096;

const WASM_PAGE = 65536;

// The workspace compiles without the DOM library, which is where TypeScript declares WebAssembly's
// constructors; Node has them all the same.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmMemoryCtor = new (d: { initial: number; maximum: number }) => WasmMemory;
const wasm = (): { Memory: WasmMemoryCtor } => (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryCtor } }).WebAssembly;

/** The ArrayBuffers made by allocAligned(): only these are known to start on a page. */
const alignedBuffers = new WeakSet<ArrayBufferLike>();

/** True where the platform has O_DIRECT (Linux); elsewhere every write goes through the cache. */
export function directIoAvailable(): boolean {
  return typeof constants.O_DIRECT === 'number' && constants.O_DIRECT !== 0;
}

/**
 * A zero-filled buffer of `size` bytes that starts on a page boundary. Its ArrayBuffer is exactly
 * `size` bytes when `size` is a multiple of 64 KiB (then a BufferPool can recycle it), larger
 * otherwise (the result is then a view).
 */
export function allocAligned(size: number): Uint8Array {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`size must be a positive integer, got ${size}`);
  const pages = Math.ceil(size / WASM_PAGE);
  const memory = new (wasm().Memory)({ initial: pages, maximum: pages });
  alignedBuffers.add(memory.buffer);
  return new Uint8Array(memory.buffer, 0, size);
}

/**
 * A zero-filled buffer for one chunk of `size` bytes: page-aligned when direct I/O could take it
 * whole and a pool could recycle it (the platform has O_DIRECT and the size is a multiple of
 * 64 KiB, hence of the alignment too), a plain one otherwise.
 */
export function allocChunkBuffer(size: number): Uint8Array {
  if (directIoAvailable() && size % WASM_PAGE === 0) {
    try {
      return allocAligned(size);
    } catch {
      // V8 reserves address space for each WebAssembly memory: under a tight `ulimit -v` that can
      // fail. A plain buffer is always fine; it just goes through the page cache.
    }
  }
  return new Uint8Array(size);
}

/** True when `data` can be written by direct I/O at an aligned offset: aligned start and length. */
export function isDirectIoReady(data: Uint8Array): boolean {
  return data.length > 0 && data.length % DIRECT_IO_ALIGNMENT === 0 && data.byteOffset % DIRECT_IO_ALIGNMENT === 0 && alignedBuffers.has(data.buffer);
}
