import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DISKMAP_ERROR_CODES } from './errors';

const srcDir = __dirname;
const sources = [srcDir, join(srcDir, 'fs')]
  .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && f !== 'errors.ts').map((f) => readFileSync(join(d, f), 'utf8')))
  .join('\n');

it('every code is thrown somewhere, has a sentence and is documented in docs/capture.md', () => {
  const doc = readFileSync(join(srcDir, '../../../docs/capture.md'), 'utf8');
  for (const [code, sentence] of Object.entries(DISKMAP_ERROR_CODES)) {
    expect(code).toMatch(/^DISKMAP_[A-Z_]+$/);
    expect(sentence).toMatch(/^[A-Z].{20,}\.$/);
    expect(doc).toContain(code);
  }
  const thrown = new Set([...sources.matchAll(/'(DISKMAP_[A-Z_]+)'/g)].map((m) => m[1]));
  expect([...thrown].sort()).toEqual(Object.keys(DISKMAP_ERROR_CODES).sort());
});
