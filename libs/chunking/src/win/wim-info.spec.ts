// readWimInfo over hand-built headers (each refusal) and over a WIM wimlib-imagex really captured.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WIM_HEADER_SIZE, readWimInfo, wimImage, type ReadAt } from './wim-info';

const XML = '\uFEFF<WIM><IMAGE INDEX="1"><NAME>Base</NAME><TOTALBYTES>6</TOTALBYTES></IMAGE><IMAGE INDEX="2"><NAME>Pro</NAME><TOTALBYTES>15000000000</TOTALBYTES></IMAGE><TOTALBYTES>1704</TOTALBYTES></WIM>';

/** A header (208 bytes) with its XML resource right behind it; `edit` changes fields. */
function wimBytes(o: { magic?: string; images?: number; flags?: number; parts?: number; xml?: string; xmlSizeInWim?: number; cut?: number } = {}): Buffer {
  const xml = Buffer.from(o.xml ?? XML, 'utf16le');
  const h = Buffer.alloc(WIM_HEADER_SIZE);
  h.write(o.magic ?? 'MSWIM\0\0\0', 0, 'latin1');
  h.writeUInt32LE(WIM_HEADER_SIZE, 8);
  h.writeUInt32LE(o.flags ?? 0x20000, 16);
  h.writeUInt16LE(1, 40);
  h.writeUInt16LE(o.parts ?? 1, 42);
  h.writeUInt32LE(o.images ?? 2, 44);
  h.writeUIntLE(o.xmlSizeInWim ?? xml.length, 72, 6);
  h.writeBigUInt64LE(BigInt(WIM_HEADER_SIZE), 80);
  h.writeBigUInt64LE(BigInt(xml.length), 88);
  const all = Buffer.concat([h, xml]);
  return o.cut !== undefined ? all.subarray(0, o.cut) : all;
}

const reader = (b: Buffer): ReadAt => (offset, length) => Promise.resolve(b.subarray(offset, offset + length));

describe('readWimInfo', () => {
  it('reads the image count and each image’s name and total bytes', async () => {
    const info = await readWimInfo(reader(wimBytes()), 'x.wim');
    expect(info).toEqual({ imageCount: 2, images: [{ index: 1, name: 'Base', totalBytes: 6 }, { index: 2, name: 'Pro', totalBytes: 15_000_000_000 }] });
    expect(wimImage(info, 2, 'x.wim').totalBytes).toBe(15_000_000_000);
  });

  it.each([
    ['not a WIM', { magic: 'NOTAWIM\0' }, /no MSWIM signature/],
    ['a pipable WIM', { magic: 'WLPWM\0\0\0' }, /pipable WIM, which DISM cannot apply/],
    ['a split WIM part (flag)', { flags: 0x8 }, /split WIM/],
    ['a split WIM part (part count)', { parts: 3 }, /split WIM/],
    ['a truncated header', { cut: 100 }, /shorter than a WIM header \(100 bytes\)/],
    ['a truncated XML', { cut: WIM_HEADER_SIZE + 20 }, /ends before its XML data/],
    ['a compressed-looking XML resource', { xmlSizeInWim: 12 }, /implausible size/],
    ['a header that disagrees with its XML', { images: 3 }, /counts 3 images, its XML describes 2/],
  ])('refuses %s with CHUNKING_WIM_INVALID', async (_what, edit, message) => {
    await expect(readWimInfo(reader(wimBytes(edit)), 'x.wim')).rejects.toMatchObject({ code: 'CHUNKING_WIM_INVALID', message, data: { path: 'x.wim' } });
  });

  it('names the indexes a WIM has when asked for one it lacks', async () => {
    const info = await readWimInfo(reader(wimBytes()), 'x.wim');
    expect(() => wimImage(info, 3, 'x.wim')).toThrow(/has no image 3 \(it holds 1 \(Base\), 2 \(Pro\)\)/);
  });

  it('reads a WIM captured by wimlib-imagex (two images of a small tree)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wim-info-'));
    try {
      mkdirSync(join(dir, 'tree', 'a', 'b'), { recursive: true });
      writeFileSync(join(dir, 'tree', 'a', 'b', 'x.txt'), 'hello world\n');
      writeFileSync(join(dir, 'tree', 'y.bin'), Buffer.alloc(5000, 7));
      const wim = join(dir, 't.wim');
      execFileSync('wimlib-imagex', ['capture', join(dir, 'tree'), wim, 'First'], { stdio: 'ignore' });
      execFileSync('wimlib-imagex', ['append', join(dir, 'tree'), wim, 'Second'], { stdio: 'ignore' });
      const bytes = readFileSync(wim);
      const info = await readWimInfo(reader(bytes), wim);
      expect(info.images.map((i) => [i.index, i.name, i.totalBytes])).toEqual([
        [1, 'First', 5012],
        [2, 'Second', 5012],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
