// TargetIo over a disk opened with FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH. Unbuffered
// I/O takes only whole sectors at sector offsets from sector-aligned memory; the writer's chunks
// usually are (1 MiB at 1 MiB offsets, from page-aligned pool buffers) and go straight through.
// Anything else (the image's last, short chunk; a buffer of unknown alignment) goes through an
// aligned bounce buffer, read-modify-write for the partial sectors at either end, so bytes of the
// disk outside the image are kept.
import { ChunkingError, allocAligned, isDirectIoReady, type TargetIo, type WriteCounts } from '@castpoint/chunking';
import type { Win32Calls, Win32Handle } from './win32-calls';

export interface DiskTargetIoOptions {
  readonly win: Win32Calls;
  readonly handle: Win32Handle;
  readonly path: string;
  readonly sectorSize: number;
  readonly sizeBytes: number;
  /** Runs after the handle is closed: gives the locked volumes back. */
  readonly onClose?: () => Promise<void>;
}

export class DiskTargetIo implements TargetIo {
  private direct = 0;
  private bounced = 0;
  private closed = false;

  constructor(private readonly o: DiskTargetIoOptions) {}

  private aligned(data: Uint8Array, position: number): boolean {
    const s = this.o.sectorSize;
    // isDirectIoReady: page-aligned memory from allocAligned, a whole number of 4 KiB.
    return position % s === 0 && data.length % s === 0 && isDirectIoReady(data);
  }

  private async transfer(kind: 'read' | 'write', data: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < data.length) {
      const part = data.subarray(done);
      const n = kind === 'read' ? await this.o.win.readAt(this.o.handle, part, position + done) : await this.o.win.writeAt(this.o.handle, part, position + done);
      if (n === 0) break;
      // A short unbuffered transfer still ends on a sector; anything else would misalign the rest.
      if (n % this.o.sectorSize !== 0) throw new Error(`${kind} of ${part.length} bytes at ${position + done} on ${this.o.path} moved ${n}, not whole sectors`);
      done += n;
    }
    return done;
  }

  /** The sector-aligned span around [position, position + length), within the disk. */
  private span(position: number, length: number): { start: number; end: number } {
    const s = this.o.sectorSize;
    const start = Math.floor(position / s) * s;
    const end = Math.ceil((position + length) / s) * s;
    if (end > this.o.sizeBytes) {
      throw new ChunkingError('CHUNKING_WRITE_FAILED', `${this.o.path}: ${length} bytes at ${position} reach past the disk's end (${this.o.sizeBytes} bytes)`, { path: this.o.path });
    }
    return { start, end };
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    if (data.length === 0) return;
    if (this.aligned(data, position)) {
      if ((await this.transfer('write', data, position)) !== data.length) throw new Error(`short write to ${this.o.path} at ${position}`);
      this.direct++;
      return;
    }
    const { start, end } = this.span(position, data.length);
    const bounce = allocAligned(end - start);
    const s = this.o.sectorSize;
    // Keep the disk's bytes in the partial first and last sectors.
    if (position !== start) await this.transfer('read', bounce.subarray(0, s), start);
    if (position + data.length !== end && (end - s > start || position === start)) await this.transfer('read', bounce.subarray(end - start - s), end - s);
    bounce.set(data, position - start);
    if ((await this.transfer('write', bounce, start)) !== bounce.length) throw new Error(`short write to ${this.o.path} at ${start}`);
    this.bounced++;
  }

  async read(data: Uint8Array, position: number): Promise<number> {
    if (data.length === 0 || position >= this.o.sizeBytes) return 0;
    const want = Math.min(data.length, this.o.sizeBytes - position);
    if (want === data.length && this.aligned(data, position)) return this.transfer('read', data, position);
    const { start, end } = this.span(position, want);
    const bounce = allocAligned(end - start);
    const got = await this.transfer('read', bounce, start);
    const n = Math.max(0, Math.min(want, got - (position - start)));
    data.set(bounce.subarray(position - start, position - start + n));
    return n;
  }

  sync(): Promise<void> {
    return this.o.win.flush(this.o.handle);
  }

  size(): Promise<number> {
    return Promise.resolve(this.o.sizeBytes);
  }

  truncate(): Promise<void> {
    return Promise.reject(new ChunkingError('CHUNKING_TARGET_UNSUPPORTED_TYPE', `${this.o.path} is a disk: it cannot be truncated`, { path: this.o.path }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.o.win.close(this.o.handle);
    } finally {
      await this.o.onClose?.();
    }
  }

  /** Unbuffered writes straight from the caller's buffer, and through the bounce buffer. */
  writeCounts(): WriteCounts {
    return { direct: this.direct, buffered: this.bounced };
  }
}
