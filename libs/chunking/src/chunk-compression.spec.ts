import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { frameContentSize, loadWasmZstd, loadZstd, nodeZstd, type ChunkZstd } from './chunk-compression';

const MiB = 1 << 20;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
// Realistic bytes: a MiB from the middle of the node binary (code and data, as on an OS disk).
const nodeBinary = readFileSync(process.execPath);
const raw = Buffer.from(nodeBinary.subarray(Math.floor(nodeBinary.length / 2), Math.floor(nodeBinary.length / 2) + MiB));

// Both engines, the same checks: node:zlib's (this Node has it: engines asks for 22.12+, and
// castpoint runs on 22.23) and the WASM kept for a Node without it.
const ENGINES: ReadonlyArray<[string, () => Promise<ChunkZstd>]> = [
  ['node:zlib', async () => nodeZstd() ?? Promise.reject(new Error('this Node has no zstd in node:zlib'))],
  ['wasm', loadWasmZstd],
];

describe.each(ENGINES)('chunk zstd on %s', (_engine, load) => {
  let zstd: ChunkZstd;
  beforeAll(async () => {
    zstd = await load();
  });

  it('round-trips a chunk of a real binary smaller than it was, checking the raw hash', () => {
    const frame = zstd.compress(raw, 3);
    expect(frame.length).toBeLessThan(raw.length * 0.8);
    expect(frameContentSize(frame)).toBe(MiB);
    expect(zstd.decompress(frame, 5, MiB, sha256(raw)).equals(raw)).toBe(true);
  });

  it('refuses a frame that decodes to other bytes (hash mismatch), garbage, and a wrong declared size', () => {
    const frame = zstd.compress(raw, 3);
    const flipped = Buffer.from(frame);
    const at = flipped.length - 40;
    flipped[at] = (flipped[at] ?? 0) ^ 0xff;
    expect(() => zstd.decompress(flipped, 2, MiB, sha256(raw))).toThrow(expect.objectContaining({ code: expect.stringMatching(/CHUNKING_CHUNK_(HASH_MISMATCH|DECOMPRESS_FAILED)/), data: expect.objectContaining({ chunk: 2 }) }));
    expect(() => zstd.decompress(Buffer.from('not a zstd frame'), 3, MiB, sha256(raw))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED', data: { chunk: 3, expected: MiB } }));
    expect(() => zstd.decompress(frame, 4, MiB - 512, sha256(raw))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED', data: { chunk: 4, expected: MiB - 512, actual: MiB } }));
    expect(() => zstd.decompress(frame.subarray(0, frame.length - 3), 6, MiB, sha256(raw))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED' }));
  });

  it('decodes a chunk stored raw (its length is the raw length) without zstd, still checking the hash', () => {
    expect(zstd.decode(raw, 7, MiB, sha256(raw)).equals(raw)).toBe(true);
    expect(zstd.decode(zstd.compress(raw, 3), 7, MiB, sha256(raw)).equals(raw)).toBe(true);
    const other = Buffer.from(raw);
    other[10] = (other[10] ?? 0) ^ 1;
    expect(() => zstd.decode(other, 7, MiB, sha256(raw))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_HASH_MISMATCH', data: expect.objectContaining({ chunk: 7 }) }));
  });

  it('refuses levels outside 1..22', () => {
    for (const level of [0, 23, 2.5, Number.NaN]) expect(() => zstd.compress(raw, level)).toThrow(expect.objectContaining({ code: 'CHUNKING_BAD_OPTION' }));
  });
});

describe('chunk zstd engines', () => {
  it('reads each other\'s frames, byte for byte', async () => {
    const native = nodeZstd();
    const wasm = await loadWasmZstd();
    expect(native).toBeDefined();
    if (native === undefined) return;
    for (const level of [1, 3, 19]) {
      expect(native.decompress(wasm.compress(raw, level), 0, MiB, sha256(raw)).equals(raw)).toBe(true);
      expect(wasm.decompress(native.compress(raw, level), 0, MiB, sha256(raw)).equals(raw)).toBe(true);
    }
  });

  it('uses node:zlib where this Node has it, and the WASM where it has none', async () => {
    expect((await loadZstd()).engine).toBe('node:zlib');
    expect((await loadWasmZstd()).engine).toBe('wasm');
    expect(nodeZstd({})).toBeUndefined();
    expect(nodeZstd({ zstdCompressSync: () => Buffer.alloc(0), zstdDecompressSync: () => Buffer.alloc(0) })).toBeUndefined();
  });

  it('never decodes past the chunk\'s length on node:zlib, whatever the frame says beyond its header', () => {
    const native = nodeZstd();
    if (native === undefined) throw new Error('this Node has no zstd in node:zlib');
    // Two frames back to back: the header declares one MiB, the bytes decode to two.
    const frame = native.compress(raw, 3);
    const doubled = Buffer.concat([frame, frame]);
    expect(() => native.decompress(doubled, 8, MiB, sha256(raw))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED', data: expect.objectContaining({ chunk: 8 }) }));
  });
});

describe('frameContentSize reads only what the header holds', () => {
  const header = (descriptor: number, ...rest: number[]): Buffer => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, descriptor, ...rest]);
  it.each([
    ['a 1-byte single-segment size', header(0x20, 200), 200],
    ['a 2-byte size (+256) after the window byte', header(0x40, 0x58, 0x00, 0x01), 512],
    ['a 4-byte size', header(0xa0, 0x00, 0x00, 0x10, 0x00), MiB],
    ['an 8-byte size past 2^53 (crafted)', header(0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), undefined],
    ['an 8-byte size cut short', header(0xe0, 0x01, 0x02), undefined],
    ['no size at all', header(0x00, 0x58), undefined],
    ['the reserved bit', header(0x28, 1), undefined],
    ['another magic', Buffer.from([1, 2, 3, 4, 0x20, 9]), undefined],
    ['too short', Buffer.from([0x28, 0xb5]), undefined],
  ])('%s', (_name, frame, expected) => {
    expect(frameContentSize(frame)).toBe(expected);
  });
});
