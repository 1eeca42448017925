import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Builds a fake /sys tree in a temp dir for the identity tests: `files` maps paths under the root
 * to contents (a newline is added, as the kernel does), `links` to symlink targets.
 */
export function fakeSys(files: Record<string, string>, links: Record<string, string> = {}): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'castpoint-fakesys-'));
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${text}\n`);
  }
  for (const [rel, target] of Object.entries(links)) {
    const link = path.join(root, rel);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
