import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256WithUnusedZeroed } from './used-blocks-target';

describe('the target a used-blocks deployment leaves', () => {
  it('is the image with its unused chunks zeroed (a short last chunk included)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cp-ub-'));
    try {
      const image = Buffer.concat([Buffer.alloc(4096, 1), Buffer.alloc(4096, 2), Buffer.alloc(1000, 3)]);
      const file = path.join(dir, 'img');
      writeFileSync(file, image);
      const want = createHash('sha256').update(Buffer.concat([Buffer.alloc(4096, 1), Buffer.alloc(4096), Buffer.alloc(1000)])).digest('hex');
      expect(await sha256WithUnusedZeroed(file, 4096, new Set([1, 2]))).toBe(want);
      expect(await sha256WithUnusedZeroed(file, 4096, new Set())).toBe(createHash('sha256').update(image).digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
