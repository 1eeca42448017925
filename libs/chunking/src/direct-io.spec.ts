import { constants, readFileSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DIRECT_IO_ALIGNMENT, allocAligned, allocChunkBuffer, directIoAvailable, isDirectIoReady } from './aligned-memory';
import { openTarget } from './image-writer';
import { FileTargetIo, openTargetIo } from './target-io';
import { canLoop, withLoopDevice } from './testing/loop-device';
import { buildImage, expectSameBytes, referenceManifest, seededBytes, tempDir } from './testing/fixtures';

const t = tempDir('direct');
afterAll(() => t.cleanup());
const MIB = 1 << 20;

/** Whether this test machine's temp folder takes O_DIRECT at all (ext4 and tmpfs do, some do not). */
async function tempTakesDirect(): Promise<boolean> {
  if (!directIoAvailable()) return false;
  const path = join(t.dir, 'probe');
  await (await open(path, 'w')).close();
  try {
    await (await open(path, constants.O_WRONLY | constants.O_DIRECT)).close();
    return true;
  } catch {
    return false;
  }
}

function filled(buf: Uint8Array, seed: number): Uint8Array {
  buf.set(seededBytes(buf.length, seed));
  return buf;
}

describe('aligned buffers', () => {
  it('are zero-filled, whole when a multiple of 64 KiB, and ready for direct I/O only when aligned in start and length', () => {
    const b = allocAligned(MIB);
    expect(b.length).toBe(MIB);
    expect(b.buffer.byteLength).toBe(MIB);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(isDirectIoReady(b)).toBe(true);
    expect(isDirectIoReady(b.subarray(DIRECT_IO_ALIGNMENT, 3 * DIRECT_IO_ALIGNMENT))).toBe(true);
    expect(isDirectIoReady(b.subarray(512, 512 + DIRECT_IO_ALIGNMENT))).toBe(false); // start off the page
    expect(isDirectIoReady(b.subarray(0, 1000))).toBe(false); // length off the block
    expect(isDirectIoReady(new Uint8Array(MIB))).toBe(false); // address unknown
    expect(allocAligned(1000).buffer.byteLength).toBe(65536);
    expect(() => allocAligned(0)).toThrow(RangeError);
  });

  it('are what allocChunkBuffer gives for whole 64 KiB multiples where O_DIRECT exists, plain buffers otherwise', () => {
    expect(isDirectIoReady(allocChunkBuffer(MIB))).toBe(directIoAvailable());
    expect(isDirectIoReady(allocChunkBuffer(MIB - 4096))).toBe(false);
  });

  it('fall back to a plain buffer when no WebAssembly memory can be had (address space limits)', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: unknown } }).WebAssembly;
    const real = wasm.Memory;
    wasm.Memory = function refuse() {
      throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    };
    try {
      const b = allocChunkBuffer(MIB);
      expect(b.length).toBe(MIB);
      expect(isDirectIoReady(b)).toBe(false);
      expect(() => allocAligned(MIB)).toThrow(RangeError);
    } finally {
      wasm.Memory = real;
    }
    expect(isDirectIoReady(allocChunkBuffer(MIB))).toBe(directIoAvailable());
  });
});

describe('direct I/O on the target', () => {
  it('writes aligned chunks past the page cache and everything else through it, with the same bytes on disk', async () => {
    const path = join(t.dir, 'mixed.img');
    const io = await openTargetIo(path, 'new-file', { directIo: true });
    await io.truncate(4 * MIB);
    const a = filled(allocAligned(MIB), 1);
    const b = filled(allocAligned(MIB), 2);
    const plain = filled(new Uint8Array(MIB), 3);
    const tail = filled(allocAligned(MIB), 4).subarray(0, 1000); // a short last chunk
    await Promise.all([io.write(a, 0), io.write(plain, MIB), io.write(b, 2 * MIB), io.write(tail, 3 * MIB)]);
    await io.sync();
    const expected = await tempTakesDirect();
    expect(io.writeCounts?.()).toEqual(expected ? { direct: 2, buffered: 2 } : { direct: 0, buffered: 4 });
    await io.close();
    const disk = readFileSync(path);
    expectSameBytes(disk.subarray(0, MIB), a);
    expectSameBytes(disk.subarray(MIB, 2 * MIB), plain);
    expectSameBytes(disk.subarray(2 * MIB, 3 * MIB), b);
    expectSameBytes(disk.subarray(3 * MIB, 3 * MIB + 1000), tail);
  });

  it('is off unless asked for', async () => {
    const io = await openTargetIo(join(t.dir, 'cached.img'), 'new-file');
    await io.write(filled(allocAligned(MIB), 5), 0);
    expect(io.writeCounts?.()).toEqual({ direct: 0, buffered: 1 });
    await io.close();
  });

  it('falls back to the page cache for good when the file system refuses a direct write (EINVAL)', async () => {
    const path = join(t.dir, 'refused.img');
    const fh = await open(path, 'w+');
    let directCalls = 0;
    let directClosed = false;
    const refusing = {
      write: async () => {
        directCalls++;
        throw Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' });
      },
      close: async () => {
        directClosed = true;
      },
    } as unknown as FileHandle;
    const io = new FileTargetIo(fh, refusing);
    const a = filled(allocAligned(MIB), 6);
    const b = filled(allocAligned(MIB), 7);
    await io.write(a, 0);
    await io.write(b, MIB);
    expect(directCalls).toBe(1);
    expect(directClosed).toBe(true);
    expect(io.writeCounts()).toEqual({ direct: 0, buffered: 2 });
    await io.close();
    const disk = readFileSync(path);
    expectSameBytes(disk.subarray(0, MIB), a);
    expectSameBytes(disk.subarray(MIB), b);
  });

  it('passes other direct write errors on (a failing disk is not hidden by a retry through the cache)', async () => {
    const fh = await open(join(t.dir, 'eio.img'), 'w+');
    const failing = {
      write: async () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      },
      close: async () => undefined,
    } as unknown as FileHandle;
    const io = new FileTargetIo(fh, failing);
    await expect(io.write(allocAligned(MIB), 0)).rejects.toMatchObject({ code: 'EIO' });
    expect(io.writeCounts()).toEqual({ direct: 0, buffered: 0 });
    await io.close();
  });

  it('lets the image writer put a whole image down by direct I/O, holes and short tail included', async () => {
    const CS = 256 * 1024;
    const image = buildImage([{ zero: false, length: 3 * CS }, { zero: true, length: 2 * CS }, { zero: false, length: CS + 777 }], 11);
    const manifest = referenceManifest(image, CS);
    const path = join(t.dir, 'writer.img');
    const w = await openTarget(path, manifest, { directIo: true });
    for (const c of w.missingChunks()) {
      const len = Math.min(CS, image.length - c * CS);
      const buf = allocChunkBuffer(len);
      buf.set(image.subarray(c * CS, c * CS + len));
      await w.writeChunk(c, buf);
    }
    const counts = w.writeCounts();
    await w.finish();
    expectSameBytes(readFileSync(path), image);
    // 3 whole data chunks by direct I/O; the 777-byte tail chunk through the cache.
    expect(counts).toEqual((await tempTakesDirect()) ? { direct: 4, buffered: 1 } : { direct: 0, buffered: 5 });
  });

  (canLoop ? it : it.skip)(`writes a real loop device by direct I/O${canLoop ? '' : ' (skipped: needs root and losetup)'}`, async () => {
    const CS = 64 * 1024;
    const image = buildImage([{ zero: false, length: 2 * CS }, { zero: true, length: CS }, { zero: false, length: CS }], 21);
    const manifest = referenceManifest(image, CS);
    const backing = join(t.dir, 'loop-direct.img');
    writeFileSync(backing, Buffer.alloc(image.length + CS, 0xee));
    let counts;
    const ran = await withLoopDevice(backing, async (dev) => {
      const w = await openTarget(dev, manifest, { allowDevice: true, stateDir: t.dir, directIo: true });
      expect(w.kind).toBe('block');
      for (const c of w.missingChunks()) {
        const buf = allocChunkBuffer(CS);
        buf.set(image.subarray(c * CS, (c + 1) * CS));
        await w.writeChunk(c, buf);
      }
      await w.finish(); // writes the disk's zero chunk, by direct I/O too
      counts = w.writeCounts();
    });
    if (!ran) return;
    expect(counts).toEqual({ direct: 4, buffered: 0 });
    const back = readFileSync(backing);
    expectSameBytes(back.subarray(0, image.length), image);
    expect(back.subarray(image.length).every((b) => b === 0xee)).toBe(true);
  });
});
