import { decodePackIndex, encodePackIndex, packIndexPath, type PackIndexProblem } from './pack-index';

const M = 'ab'.repeat(32);
const H0 = '01'.repeat(32);
const H2 = 'fe'.repeat(32);

/** Golden bytes of an index of three chunks, the middle one not stored. */
const golden = Buffer.concat([
  Buffer.from('CPPKIDX1', 'latin1'),
  Buffer.alloc(32, 0xab),
  Buffer.from([3, 0, 0, 0]),
  Buffer.alloc(32, 0x01),
  Buffer.alloc(32, 0),
  Buffer.alloc(32, 0xfe),
]);

describe('pack index', () => {
  it('encodes to the golden bytes and decodes them back', () => {
    const index = { manifestHash: M, storedSha256: [H0, '', H2] };
    expect(encodePackIndex(index).equals(golden)).toBe(true);
    expect(decodePackIndex(golden, M, 3)).toEqual({ ok: true, storedSha256: [H0, '', H2] });
    expect(decodePackIndex(encodePackIndex({ manifestHash: M, storedSha256: [] }), M, 0)).toEqual({ ok: true, storedSha256: [] });
    expect(packIndexPath('/data/packs/x.zst')).toBe('/data/packs/x.zst.idx');
  });

  const rows: [string, Buffer, PackIndexProblem][] = [
    ['a file too short for the header', golden.subarray(0, 20), 'magic'],
    ['another magic', Buffer.concat([Buffer.from('CPPKIDX2', 'latin1'), golden.subarray(8)]), 'magic'],
    ["another manifest's index", Buffer.concat([golden.subarray(0, 8), Buffer.alloc(32, 0xac), golden.subarray(40)]), 'manifest'],
    ['another chunk count', Buffer.concat([golden.subarray(0, 40), Buffer.from([4, 0, 0, 0]), golden.subarray(44)]), 'count'],
    ['a cut hash', golden.subarray(0, golden.length - 1), 'length'],
    ['bytes past the end', Buffer.concat([golden, Buffer.alloc(1)]), 'length'],
  ];
  it.each(rows)('refuses %s (the caller then decodes every chunk)', (_name, bytes, problem) => {
    expect(decodePackIndex(bytes, M, 3)).toEqual({ ok: false, problem });
  });

  it('refuses to encode hashes that are not 64 lowercase hex digits', () => {
    expect(() => encodePackIndex({ manifestHash: 'AB'.repeat(32), storedSha256: [] })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID' }));
    expect(() => encodePackIndex({ manifestHash: M, storedSha256: ['12'] })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID', data: { field: 'storedSha256[0]' } }));
  });
});
