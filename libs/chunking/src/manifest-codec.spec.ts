import { encodeManifest, manifestHash, validateManifest } from './manifest-codec';
import { sha256 } from './testing/fixtures';

const H = (c: string): string => c.repeat(64);
const good = { version: 1, size: 4096 * 2 + 1, chunkSize: 4096, sha256: H('a'), chunks: [H('1'), H('2'), H('3')], zeroChunks: [1] };
const golden =
  `{"version":1,"size":8193,"chunkSize":4096,"sha256":"${H('a')}","chunks":["${H('1')}","${H('2')}","${H('3')}"],"zeroChunks":[1]}`;

describe('manifest canonical encoding and hash', () => {
  it('encodes with a fixed key order and no whitespace, whatever the input key order', () => {
    const shuffled = { zeroChunks: [1], chunks: good.chunks, sha256: good.sha256, chunkSize: 4096, size: 8193, version: 1 };
    expect(encodeManifest(validateManifest(shuffled))).toBe(golden);
  });

  it('hashes the canonical encoding (streamed in pieces, even past the 4096-hash batch)', () => {
    expect(manifestHash(validateManifest(good))).toBe(sha256(Buffer.from(golden)));
    const many = { ...good, size: 4096 * 5000, chunks: Array.from({ length: 5000 }, (_, i) => (i % 2 ? H('b') : H('c'))), zeroChunks: [0, 4999] };
    expect(manifestHash(validateManifest(many))).toBe(sha256(Buffer.from(encodeManifest(validateManifest(many)))));
    expect(JSON.parse(encodeManifest(validateManifest(many)))).toEqual(many);
  });

  it('changes when any field changes', () => {
    const base = manifestHash(validateManifest(good));
    expect(manifestHash(validateManifest({ ...good, zeroChunks: [] }))).not.toBe(base);
    expect(manifestHash(validateManifest({ ...good, chunks: [H('1'), H('2'), H('4')] }))).not.toBe(base);
    expect(manifestHash(validateManifest({ ...good, size: 8194 }))).not.toBe(base);
  });

  it('validates an empty image', () => {
    expect(validateManifest({ ...good, size: 0, chunks: [], zeroChunks: [] }).chunks).toEqual([]);
  });
});

describe('validateManifest rejects bad input with CHUNKING_MANIFEST_INVALID naming the field', () => {
  const rows: [string, unknown, string][] = [
    ['null', null, 'manifest'],
    ['an array', [], 'manifest'],
    ['a string', 'manifest', 'manifest'],
    ['another version', { ...good, version: 2 }, 'version'],
    ['a negative size', { ...good, size: -1 }, 'size'],
    ['a fractional size', { ...good, size: 1.5 }, 'size'],
    ['a size as string', { ...good, size: '8193' }, 'size'],
    ['a tiny chunk size', { ...good, chunkSize: 16 }, 'chunkSize'],
    ['an uppercase image hash', { ...good, sha256: H('A') }, 'sha256'],
    ['a short image hash', { ...good, sha256: 'abc' }, 'sha256'],
    ['chunks not an array', { ...good, chunks: {} }, 'chunks'],
    ['too few chunk hashes', { ...good, chunks: [H('1'), H('2')] }, 'chunks'],
    ['too many chunk hashes', { ...good, chunks: [H('1'), H('2'), H('3'), H('4')] }, 'chunks'],
    ['a bad chunk hash', { ...good, chunks: [H('1'), 'zz', H('3')] }, 'chunks[1]'],
    ['a numeric chunk hash', { ...good, chunks: [H('1'), 7, H('3')] }, 'chunks[1]'],
    ['zeroChunks missing', { ...good, zeroChunks: undefined }, 'zeroChunks'],
    ['zeroChunks unsorted', { ...good, zeroChunks: [2, 1] }, 'zeroChunks[1]'],
    ['zeroChunks duplicated', { ...good, zeroChunks: [1, 1] }, 'zeroChunks[1]'],
    ['zeroChunks past the end', { ...good, zeroChunks: [3] }, 'zeroChunks[0]'],
    ['zeroChunks negative', { ...good, zeroChunks: [-1] }, 'zeroChunks[0]'],
    ['an absurd size', { ...good, size: 2 ** 52, chunks: [] }, 'size'],
  ];
  it.each(rows)('%s', (_name, input, field) => {
    expect(() => validateManifest(input)).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID', data: { field } }));
  });

  it('drops unknown keys', () => {
    expect(Object.keys(validateManifest({ ...good, extra: 1 }))).not.toContain('extra');
  });
});
