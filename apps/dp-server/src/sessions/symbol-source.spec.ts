import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkSource, makeFingerprint } from '@castpoint/chunking';
import { ReedSolomon } from '@castpoint/repair';
import { chunkingImporter } from '../images/chunking-importer';
import { SymbolSource } from './symbol-source';

describe('SymbolSource over a real imported image', () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-sym-'));
    file = join(dir, 'img');
    bytes = Buffer.alloc((1 << 20) + 5000);
    let x = 7;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    writeFileSync(file, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves source symbols from the file and parity that rebuilds lost ones', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file);
    const source = await ChunkSource.open(file, img.manifest, makeFingerprint(img.manifest, img.mtimeMs), { symbolSize: 1000, blockSymbols: 16 });
    const sym = new SymbolSource(source, 4);
    try {
      expect(sym.get(0, 0)).toBeUndefined();
      await sym.load(0);
      const k = sym.layout.blockK(0);
      expect(Buffer.from(sym.get(0, 3) ?? []).equals(bytes.subarray(3000, 4000))).toBe(true);
      // Lose source symbols 0 and 5; parity 16 and 17 stand in for them.
      const got = new Map<number, Uint8Array>();
      for (let s = 0; s < k; s++) if (s !== 0 && s !== 5) got.set(s, sym.get(0, s) ?? new Uint8Array());
      got.set(k, sym.get(0, k) ?? new Uint8Array());
      got.set(k + 1, sym.get(0, k + 1) ?? new Uint8Array());
      expect(sym.parityComputed).toBe(2);
      sym.get(0, k);
      expect(sym.parityComputed).toBe(2);
      const rebuilt = new ReedSolomon(1000).decode(k, got);
      expect(Buffer.from(rebuilt[0] ?? []).equals(bytes.subarray(0, 1000))).toBe(true);
      expect(Buffer.from(rebuilt[5] ?? []).equals(bytes.subarray(5000, 6000))).toBe(true);
      // The short last block of the image is zero-padded to full symbols.
      const last = sym.layout.totalBlocks - 1;
      await sym.load(last);
      expect(sym.get(last, 0)?.length).toBe(1000);
    } finally {
      await sym.close();
    }
  });

  it('copies source and parity symbols into a frame at an offset, the bytes get() gives (the send path, issue 29)', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file);
    const source = await ChunkSource.open(file, img.manifest, makeFingerprint(img.manifest, img.mtimeMs), { symbolSize: 1000, blockSymbols: 16 });
    const sym = new SymbolSource(source, 4);
    try {
      const frame = Buffer.alloc(1100, 0xee);
      expect(sym.ready(1)).toBe(false);
      expect(sym.copyInto(1, 0, frame, 34)).toBe(false);
      expect(frame.every((b) => b === 0xee)).toBe(true);
      await sym.load(1);
      expect(sym.ready(1)).toBe(true);
      const k = sym.layout.blockK(1);
      for (const s of [0, 7, k - 1, k, k + 3]) {
        frame.fill(0xee);
        expect(sym.copyInto(1, s, frame, 34)).toBe(true);
        expect(frame.subarray(34, 1034).equals(Buffer.from(sym.get(1, s) ?? []))).toBe(true);
        expect(frame.subarray(0, 34).every((b) => b === 0xee) && frame.subarray(1034).every((b) => b === 0xee)).toBe(true);
      }
      frame.fill(0);
      sym.copyInto(1, 2, frame, 34);
      expect(frame.subarray(34, 1034).equals(bytes.subarray(16 * 1000 + 2000, 16 * 1000 + 3000))).toBe(true);
    } finally {
      await sym.close();
    }
  });

  it('copies a block into the parity kernel once for a run of its parity symbols, not once per symbol', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file);
    const source = await ChunkSource.open(file, img.manifest, makeFingerprint(img.manifest, img.mtimeMs), { symbolSize: 1000, blockSymbols: 16 });
    const sym = new SymbolSource(source, 4);
    try {
      await sym.load(0);
      await sym.load(1);
      const k = sym.layout.blockK(0);
      const blockBytes = k * 1000;
      const reference = new ReedSolomon(1000, { simd: false });
      const sources = Array.from({ length: k }, (_, s) => bytes.subarray(s * 1000, (s + 1) * 1000));
      // Block 0's repairs, block 1's, then block 0's again: each block is copied in once.
      for (const [block, s] of [[0, k], [0, k + 1], [0, k + 2], [1, k], [1, k + 1], [0, k + 3]] as const) {
        const parity = sym.get(block, s);
        if (block === 0) expect(Buffer.from(parity ?? []).equals(Buffer.from(reference.encodeParity(sources, [s])[0] ?? []))).toBe(true);
      }
      expect(sym.parityComputed).toBe(6);
      expect(sym.parityInputBytesCopied).toBe(2 * blockBytes);
    } finally {
      await sym.close();
    }
  });

  it('keeps the blocks used last when a load overflows the cache (least recently used out)', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file);
    const source = await ChunkSource.open(file, img.manifest, makeFingerprint(img.manifest, img.mtimeMs), { symbolSize: 1000, blockSymbols: 16 });
    const sym = new SymbolSource(source, 2);
    try {
      await sym.load(0);
      await sym.load(1);
      // Block 0 was loaded first but used last: block 1 is the one to go.
      expect(sym.get(0, 0)).toBeDefined();
      await sym.load(2);
      expect([sym.has(0), sym.has(1), sym.has(2)]).toEqual([true, false, true]);
      expect(sym.get(1, 0)).toBeUndefined();
      await sym.load(3);
      expect([sym.has(0), sym.has(2), sym.has(3)]).toEqual([false, true, true]);
    } finally {
      await sym.close();
    }
  });

  it('reuses dropped blocks\' memory: a whole-image pass allocates about a cache of slabs, every symbol right', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file, undefined, { chunkSize: 65536 });
    // Chunks of 64 KiB, so that the pass reads 17 of them through a chunk cache of 2.
    const source = await ChunkSource.open(file, img.manifest, makeFingerprint(img.manifest, img.mtimeMs), { symbolSize: 1000, blockSymbols: 16, reuseBuffers: true, cacheChunks: 2 });
    const sym = new SymbolSource(source, 8);
    try {
      const { layout } = sym;
      for (let b = 0; b < layout.totalBlocks; b++) {
        await sym.load(b);
        const info = layout.blockInfo(b);
        const at = info.chunk * layout.chunkSize + info.offsetInChunk;
        for (let s = 0; s < info.k; s++) {
          const want = bytes.subarray(at + s * 1000, Math.min(at + (s + 1) * 1000, at + info.length));
          expect(Buffer.from(sym.get(b, s) ?? []).subarray(0, want.length).equals(want)).toBe(true);
        }
      }
      expect(layout.totalBlocks).toBeGreaterThan(60);
      // 8 blocks cached, one more loading: 9 slabs, not one per block.
      expect(sym.slabsAllocated).toBe(9);
      expect(source.buffersAllocated).toBeLessThanOrEqual(3);
    } finally {
      await sym.close();
    }
  });

  it('refuses an image file touched since import', async () => {
    const importer = chunkingImporter();
    const img = await importer.importImage(file);
    await expect(importer.assertUnchanged(file, img.manifest, img.mtimeMs)).resolves.toBeUndefined();
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    await expect(importer.assertUnchanged(file, img.manifest, img.mtimeMs)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
  });
});
