// placeImage: the benchmark's image is put inside the DP's default image root (DATA_DIR/images).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { placeImage } from './fleet';

describe('placeImage', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-bench-place-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hard-links the file into DATA_DIR/images (no copy of a large image) and returns that path', () => {
    const src = path.join(dir, 'image.bin');
    writeFileSync(src, 'image bytes');
    const placed = placeImage(path.join(dir, 'dp-data'), src);
    expect(placed).toBe(path.join(dir, 'dp-data', 'images', 'image.bin'));
    expect(readFileSync(placed, 'utf8')).toBe('image bytes');
    expect(statSync(placed).ino).toBe(statSync(src).ino);
  });
});
