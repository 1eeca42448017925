// ImageRoots at start: which roots are usable.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageRoots } from './roots';

describe('ImageRoots.prepare', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-roots-'));
    mkdirSync(join(dir, 'data'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a root that does not exist or is not a directory (a typo would refuse every import)', () => {
    expect(() => ImageRoots.prepare([join(dir, 'nope')], join(dir, 'data'))).toThrow(/image-root .*nope cannot be used: ENOENT/);
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => ImageRoots.prepare([join(dir, 'file')], join(dir, 'data'))).toThrow(/image-root .*file is not a directory/);
  });

  it('accepts a root that is a symlink and files named through either path', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'a.img'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const roots = ImageRoots.prepare([join(dir, 'link')], join(dir, 'data'));
    await expect(roots.resolve(join(dir, 'link', 'a.img'))).resolves.toBe(join(dir, 'real', 'a.img'));
    await expect(roots.resolve(join(dir, 'real', 'a.img'))).resolves.toBe(join(dir, 'real', 'a.img'));
    await expect(roots.resolve(join(dir, 'link'))).rejects.toMatchObject({ code: 'DP_IMAGE_OUTSIDE_ROOTS' });
  });
});
