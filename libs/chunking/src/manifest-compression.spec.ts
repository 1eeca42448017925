import { encodeManifest, manifestHash, validateManifest } from './manifest-codec';
import { sha256 } from './testing/fixtures';

const H = (c: string): string => c.repeat(64);
// Chunk 1 is zero, so it has no frame: size 0. Chunk 2 is the 1-byte tail: stored raw, size 1.
const plain = { version: 1, size: 4096 * 2 + 1, chunkSize: 4096, sha256: H('a'), chunks: [H('1'), H('2'), H('3')], zeroChunks: [1] };
const compressed = { ...plain, compression: { codec: 'zstd', level: 3, sizes: [900, 0, 1] } };
// The hash every image imported before compression existed was named by: it must never change.
const plainGolden = `{"version":1,"size":8193,"chunkSize":4096,"sha256":"${H('a')}","chunks":["${H('1')}","${H('2')}","${H('3')}"],"zeroChunks":[1]}`;

describe('manifest compression field', () => {
  it('leaves a manifest without compression byte-for-byte (and hash) as before', () => {
    expect(encodeManifest(validateManifest(plain))).toBe(plainGolden);
    expect(manifestHash(validateManifest(plain))).toBe(sha256(Buffer.from(plainGolden)));
  });

  it('encodes codec, level and the per-chunk frame sizes last, and they change the hash', () => {
    const text = encodeManifest(validateManifest(compressed));
    expect(text).toBe(`${plainGolden.slice(0, -1)},"compression":{"codec":"zstd","level":3,"sizes":[900,0,1]}}`);
    expect(JSON.parse(text)).toEqual(compressed);
    expect(manifestHash(validateManifest(compressed))).not.toBe(manifestHash(validateManifest(plain)));
    const otherLevel = { ...compressed, compression: { ...compressed.compression, level: 19 } };
    expect(manifestHash(validateManifest(otherLevel))).not.toBe(manifestHash(validateManifest(compressed)));
  });

  it('encodes many sizes in batches exactly as JSON would', () => {
    const n = 10_000;
    const many = { version: 1, size: n * 4096, chunkSize: 4096, sha256: H('b'), chunks: Array.from({ length: n }, () => H('c')), zeroChunks: [], compression: { codec: 'zstd', level: 1, sizes: Array.from({ length: n }, (_, i) => 1 + (i % 4000)) } };
    expect(JSON.parse(encodeManifest(validateManifest(many)))).toEqual(many);
  });

  it.each([
    ['not an object', [1], 'compression'],
    ['another codec', { codec: 'gzip', level: 3, sizes: [900, 0, 1] }, 'compression.codec'],
    ['a level out of range', { codec: 'zstd', level: 23, sizes: [900, 0, 1] }, 'compression.level'],
    ['a fractional level', { codec: 'zstd', level: 2.5, sizes: [900, 0, 1] }, 'compression.level'],
    ['too few sizes', { codec: 'zstd', level: 3, sizes: [900, 0] }, 'compression.sizes'],
    ['a zero chunk with a frame', { codec: 'zstd', level: 3, sizes: [900, 5, 9] }, 'compression.sizes[1]'],
    ['a data chunk without one', { codec: 'zstd', level: 3, sizes: [0, 0, 9] }, 'compression.sizes[0]'],
    ['a stored chunk longer than the chunk (the 1-byte tail)', { codec: 'zstd', level: 3, sizes: [900, 0, 2] }, 'compression.sizes[2]'],
    ['a stored chunk longer than a whole chunk', { codec: 'zstd', level: 3, sizes: [4097, 0, 1] }, 'compression.sizes[0]'],
    ['a negative size', { codec: 'zstd', level: 3, sizes: [-1, 0, 9] }, 'compression.sizes[0]'],
  ])('rejects %s naming the field', (_name, compression, field) => {
    expect(() => validateManifest({ ...plain, compression })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID', data: { field } }));
  });

  it('requires size 0 for unused chunks too', () => {
    const withUnused = { ...plain, unusedChunks: [2], compression: { codec: 'zstd', level: 3, sizes: [900, 0, 1] } };
    expect(() => validateManifest(withUnused)).toThrow(expect.objectContaining({ data: { field: 'compression.sizes[2]' } }));
    expect(validateManifest({ ...withUnused, compression: { codec: 'zstd', level: 3, sizes: [4096, 0, 0] } }).compression?.sizes).toEqual([4096, 0, 0]);
  });
});
