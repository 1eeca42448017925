import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleMarker, writeSampleImage } from './sample-image';

describe('sample image', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cp-sample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is deterministic for a seed, hashes what it wrote, and mixes data with zero regions', async () => {
    const size = 8 * 1024 * 1024 + 12345;
    const a = await writeSampleImage(path.join(dir, 'a.img'), { size, seed: 7 });
    const b = await writeSampleImage(path.join(dir, 'b.img'), { size, seed: 7 });
    const c = await writeSampleImage(path.join(dir, 'c.img'), { size, seed: 8 });
    const bytes = readFileSync(a.path);
    expect(bytes.length).toBe(size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.sha256);
    expect(b.sha256).toBe(a.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(a.dataBytes).toBeGreaterThan(size * 0.3);
    expect(a.dataBytes).toBeLessThan(size * 0.8);
    expect(bytes.includes(Buffer.from(sampleMarker(7)))).toBe(true);
    // Zero regions are holes: the file occupies less than its size.
    expect(statSync(a.path).blocks * 512).toBeLessThan(size);
  });
});
